package tuple

import (
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"testing"
)

// hashReference is Hash as documented: the murmur3 finalizer of the FNV-1a
// hash (the standard library's) of the selected values' encoding.
func hashReference(t *testing.T, vals []any, fields []int) uint64 {
	t.Helper()
	selected := make([]any, len(fields))
	for i, f := range fields {
		selected[i] = vals[f]
	}
	enc, err := AppendValues(nil, selected)
	if err != nil {
		t.Fatalf("AppendValues: %v", err)
	}
	h := fnv.New64a()
	h.Write(enc)
	return hashFinish(h.Sum64())
}

func TestHashIsHashOfEncoding(t *testing.T) {
	vals := []any{nil, true, false, int64(-1), math.MaxInt64, int32(math.MinInt32), 3.25, math.NaN(),
		"", "word", strings.Repeat("long", 100), []byte{}, []byte("bytes"),
		[]any{}, []any{int64(1), []any{"nested", nil}}, nested(ListDepthMax, 2.5)}
	for i := range vals {
		fields := []int{i}
		if got, want := Hash(vals, fields), hashReference(t, vals, fields); got != want {
			t.Errorf("value %d (%T): got %#x, want %#x", i, vals[i], got, want)
		}
	}
	for _, fields := range [][]int{{}, {0, 1, 2}, {9, 3}, {3, 9}, {14, 14}} {
		if got, want := Hash(vals, fields), hashReference(t, vals, fields); got != want {
			t.Errorf("fields %v: got %#x, want %#x", fields, got, want)
		}
	}
}

// Fields grouping must send a key to the same task from every worker of every
// build: these values may never change.
func TestHashGolden(t *testing.T) {
	tests := []struct {
		vals []any
		want uint64
	}{
		{[]any{}, 0xb9034ad37056f5fb},
		{[]any{"the"}, 0x11e0d69a2996f114},
		{[]any{int64(42)}, 0xef45a61a82f80a4d},
		{[]any{"user", int64(7), 1.5, []byte{1}, []any{true, nil}}, 0x8a1caa9420f5069c},
	}
	for _, tt := range tests {
		if got := Hash(tt.vals, all(tt.vals)); got != tt.want {
			t.Errorf("Hash(%v): got %#x, want %#x", tt.vals, got, tt.want)
		}
	}
}

func TestHashIntWidthsAgree(t *testing.T) {
	for _, x := range []int64{0, 1, -1, 255, 256, math.MaxInt32, math.MinInt32} {
		want := Hash([]any{x}, []int{0})
		if got := Hash([]any{int(x)}, []int{0}); got != want {
			t.Errorf("int %d: got %#x, want %#x (the int64's)", x, got, want)
		}
		if got := Hash([]any{int32(x)}, []int{0}); got != want {
			t.Errorf("int32 %d: got %#x, want %#x (the int64's)", x, got, want)
		}
	}
}

func TestHashDistinguishes(t *testing.T) {
	pairs := []struct {
		name string
		a, b []any
	}{
		{"string vs bytes", []any{"ab"}, []any{[]byte("ab")}},
		{"split point", []any{"ab", "c"}, []any{"a", "bc"}},
		{"order", []any{"a", "b"}, []any{"b", "a"}},
		{"list vs values", []any{[]any{"a"}}, []any{"a"}},
		{"nil vs false", []any{nil}, []any{false}},
		{"zero vs negative zero", []any{0.0}, []any{math.Copysign(0, -1)}},
	}
	for _, p := range pairs {
		if Hash(p.a, all(p.a)) == Hash(p.b, all(p.b)) {
			t.Errorf("%s: %v and %v hash alike", p.name, p.a, p.b)
		}
	}
}

func all(vals []any) []int {
	fields := make([]int, len(vals))
	for i := range fields {
		fields[i] = i
	}
	return fields
}

// Keys must spread evenly over tasks for any task count, powers of two
// included: FNV-1a alone fails this, since its low bits see only the low bits
// of each byte.
func TestHashSpreads(t *testing.T) {
	const keys = 20000
	for _, tasks := range []int{2, 7, 8, 64} {
		counts := make([]int, tasks)
		for i := range keys {
			vals := []any{fmt.Sprintf("word-%d", i)}
			counts[Hash(vals, []int{0})%uint64(tasks)]++
		}
		want := keys / tasks
		for task, got := range counts {
			if got < want*8/10 || got > want*12/10 {
				t.Errorf("%d tasks: task %d got %d keys, want %d ± 20%%", tasks, task, got, want)
			}
		}
	}
}

func TestHashUnsupportedDoesNotPanic(t *testing.T) {
	self := []any{nil}
	self[0] = self
	vals := []any{map[int]int{}, uint8(1), self, nested(ListDepthMax+1, nil)}
	for i := range vals {
		Hash(vals, []int{i})
	}
	if Hash(vals, []int{0}) != Hash(vals, []int{1}) {
		t.Errorf("unsupported values hash differently; they all stand for one marker")
	}
}

func TestHashFieldOutOfRangeAsserts(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Hash with field 2 of a 2-value tuple did not panic")
		}
	}()
	Hash([]any{1, 2}, []int{2})
}

func TestHashAllocations(t *testing.T) {
	vals := []any{int64(1234567), "user-00042", 3.25, true, []byte("8 bytes!"), []any{"a", int64(1)}}
	fields := []int{0, 1, 2, 3, 4, 5}
	if got := testing.AllocsPerRun(100, func() { Hash(vals, fields) }); got != 0 {
		t.Errorf("got %v allocations, want 0", got)
	}
}
