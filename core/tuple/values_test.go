package tuple

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// equalValues compares decoded values with the values encoded: ints of every
// width as int64, floats by their bits (so NaN equals itself), and a nil
// slice as the empty one, since both encode alike.
func equalValues(a, b any) bool {
	a, b = normalize(a), normalize(b)
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalValues(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

func normalize(v any) any {
	switch v := v.(type) {
	case int:
		return int64(v)
	case int32:
		return int64(v)
	}
	return v
}

// nested returns depth lists, each holding the next, around leaf.
func nested(depth int, leaf any) any {
	v := leaf
	for range depth {
		v = []any{v}
	}
	return v
}

func manyValues(n int) []any {
	vals := make([]any, n)
	for i := range vals {
		vals[i] = int64(i * 1000)
	}
	return vals
}

func TestValuesRoundTrip(t *testing.T) {
	big := strings.Repeat("x", BytesMax)
	tests := []struct {
		name string
		vals []any
	}{
		{"empty", []any{}},
		{"nil tuple", nil},
		{"nil", []any{nil}},
		{"bools", []any{true, false}},
		{"ints", []any{int64(0), int64(-1), int64(1), int64(math.MinInt64), int64(math.MaxInt64)}},
		{"int widths", []any{7, int32(-7), int(math.MaxInt64), int32(math.MinInt32)}},
		{"floats", []any{0.0, math.Copysign(0, -1), 3.25, math.NaN(), math.Inf(1), math.Inf(-1), math.SmallestNonzeroFloat64}},
		{"strings", []any{"", "word", "héllo, 世界", strings.Repeat("ab", 200)}},
		{"bytes", []any{[]byte{}, []byte(nil), []byte{0, 1, 0xff}, bytes.Repeat([]byte{9}, 300)}},
		{"empty list", []any{[]any{}}},
		{"list", []any{[]any{int64(1), "a", nil, []byte("b"), 2.5, true}}},
		{"nested lists", []any{[]any{[]any{"deep", []any{}}, int64(3)}}},
		{"deepest list", []any{nested(ListDepthMax, "leaf")}},
		{"mixed", []any{int64(42), "user-00042", 3.25, true, []byte("8 bytes!"), nil}},
		{"ValuesMax values", manyValues(ValuesMax)},
		{"ValuesMax elements", []any{manyValues(ValuesMax)}},
		{"BytesMax string", []any{big}},
		{"BytesMax bytes", []any{[]byte(big)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("prefix")
			enc, err := AppendValues(append([]byte{}, prefix...), tt.vals)
			if err != nil {
				t.Fatalf("AppendValues: %v", err)
			}
			if !bytes.HasPrefix(enc, prefix) {
				t.Fatalf("AppendValues overwrote dst's prefix")
			}
			body := enc[len(prefix):]
			got, n, err := DecodeValues(append(body, "trailing"...), nil)
			if err != nil {
				t.Fatalf("DecodeValues: %v", err)
			}
			if n != len(body) {
				t.Errorf("consumed %d bytes, want %d", n, len(body))
			}
			if !equalValues(got, tt.vals) {
				t.Errorf("got %.200v, want %.200v", got, tt.vals)
			}
		})
	}
}

// The format is a contract between workers of different builds: this test
// fails when an encoding changes by accident.
func TestValuesGolden(t *testing.T) {
	vals := []any{nil, false, true, int64(-2), 1, 1.5, "hi", []byte{7}, []any{int32(300)}}
	got, err := AppendValues(nil, vals)
	if err != nil {
		t.Fatal(err)
	}
	want := "09" + "00" + "01" + "02" + "0303" + "0302" + "04000000000000f83f" +
		"05026869" + "060107" + "0701" + "03d804"
	if hex.EncodeToString(got) != want {
		t.Errorf("got %x, want %s", got, want)
	}
}

type point struct{ X, Y int }

func TestAppendValuesErrors(t *testing.T) {
	self := []any{nil}
	self[0] = self
	tests := []struct {
		name    string
		vals    []any
		wantErr error
		wantMsg string // in the message
	}{
		{"map", []any{map[string]int{}}, ErrUnsupported, "value 0: tuple: unsupported type map[string]int"},
		{"struct", []any{int64(1), point{}}, ErrUnsupported, "value 1: tuple: unsupported type tuple.point"},
		{"uint64", []any{uint64(1)}, ErrUnsupported, "uint64"},
		{"float32", []any{float32(1)}, ErrUnsupported, "float32"},
		{"typed slice", []any{[]string{"a"}}, ErrUnsupported, "[]string"},
		{"pointer", []any{new(int64)}, ErrUnsupported, "*int64"},
		{"in a list", []any{[]any{1, []any{struct{}{}}}}, ErrUnsupported, "value 0: element 1: element 0: tuple: unsupported type struct {}"},
		{"too many values", manyValues(ValuesMax + 1), ErrTooLarge, "4097 values"},
		{"too many elements", []any{manyValues(ValuesMax + 1)}, ErrTooLarge, "list of 4097"},
		{"string too long", []any{strings.Repeat("x", BytesMax+1)}, ErrTooLarge, "string of"},
		{"bytes too long", []any{make([]byte, BytesMax+1)}, ErrTooLarge, "[]byte of"},
		{"too deep", []any{nested(ListDepthMax+1, nil)}, ErrTooLarge, "nested deeper"},
		{"contains itself", self, ErrTooLarge, "nested deeper"},
		{"tuple too long", []any{make([]byte, BytesMax), make([]byte, BytesMax), make([]byte, BytesMax), make([]byte, BytesMax), "x"}, ErrTooLarge, "encoding is"},
		{"list too long", []any{[]any{make([]byte, BytesMax), make([]byte, BytesMax), make([]byte, BytesMax), make([]byte, BytesMax), "x"}}, ErrTooLarge, "encoding over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("keep")
			got, err := AppendValues(dst, tt.vals)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("got message %q, want it to contain %q", err, tt.wantMsg)
			}
			if string(got) != "keep" {
				t.Errorf("got dst %.20q, want it unchanged", got)
			}
		})
	}
}

func TestDecodeValuesErrors(t *testing.T) {
	tests := []struct {
		name       string
		hex        string
		wantErr    error
		wantOffset int
	}{
		{"empty", "", ErrTruncated, 0},
		{"no values", "02", ErrTruncated, 0},
		{"no second value", "0200", ErrTruncated, 0},
		{"unknown tag", "0108", ErrCorrupt, 1},
		{"high tag", "01ff", ErrCorrupt, 1},
		{"unknown tag later", "02" + "0301" + "09", ErrCorrupt, 3},
		{"count overflows", "ffffffffffffffffffff01", ErrCorrupt, 0},
		{"count over ValuesMax", "818001", ErrTooLarge, 0},
		{"int cut", "0103ff", ErrTruncated, 2},
		{"int overflows", "0103ffffffffffffffffff7f", ErrCorrupt, 2},
		{"float cut", "0104000000", ErrTruncated, 2},
		{"string cut", "010505616263", ErrTruncated, 2},
		{"string length cut", "0105", ErrTruncated, 2},
		{"string over BytesMax", "010581804001", ErrTooLarge, 2},
		{"bytes cut", "010602ff", ErrTruncated, 2},
		{"list count cut", "0107", ErrTruncated, 2},
		{"list over ValuesMax", "0107818001", ErrTooLarge, 2},
		{"list element cut", "01070200", ErrTruncated, 2},
		{"list element corrupt", "0107010a", ErrCorrupt, 3},
		{"too deep", "01" + strings.Repeat("0701", ListDepthMax+1) + "00", ErrTooLarge, 1 + 2*ListDepthMax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			vals, n, err := DecodeValues(src, nil)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, %d, %v; want a *DecodeError", vals, n, err)
			}
			if !errors.Is(err, tt.wantErr) || de.Offset != tt.wantOffset {
				t.Errorf("got %v (offset %d), want %v at offset %d", err, de.Offset, tt.wantErr, tt.wantOffset)
			}
			if n != 0 || len(vals) != 0 {
				t.Errorf("got %d values and n %d on error, want none", len(vals), n)
			}
		})
	}
}

// Every proper prefix of a valid encoding is truncated, never accepted and
// never a panic.
func TestDecodeValuesEveryPrefix(t *testing.T) {
	enc, err := AppendValues(nil, []any{int64(-300), "str", 2.5, []any{[]byte("b"), nil, true}, false})
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(enc) {
		if _, _, err := DecodeValues(enc[:i], nil); !errors.Is(err, ErrTruncated) {
			t.Errorf("prefix of %d bytes: got %v, want ErrTruncated", i, err)
		}
	}
}

func TestDecodeValuesReusesDst(t *testing.T) {
	enc, _ := AppendValues(nil, []any{int64(1), "a"})
	dst := []any{"old", "old", "old stale"}
	vals, _, err := DecodeValues(enc, dst)
	if err != nil {
		t.Fatal(err)
	}
	if &vals[0] != &dst[0] {
		t.Errorf("decoded into a new array, want dst's")
	}
	if dst[2] != nil {
		t.Errorf("got dst[2] = %v after decoding 2 values, want it cleared", dst[2])
	}
	if fmt.Sprint(vals) != "[1 a]" {
		t.Errorf("got %v, want [1 a]", vals)
	}
}

func TestDecodedBytesDoNotAliasSrc(t *testing.T) {
	enc, _ := AppendValues(nil, []any{[]byte("abc"), "def"})
	vals, _, err := DecodeValues(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range enc {
		enc[i] = 'z'
	}
	if got := fmt.Sprintf("%s %s", vals[0], vals[1]); got != "abc def" {
		t.Errorf("got %q after overwriting src, want %q", got, "abc def")
	}
}

func TestCodecAllocations(t *testing.T) {
	vals := []any{int64(1234567), "user-00042", 3.25, true, []byte("8 bytes!")}
	buf := make([]byte, 0, 64)
	if got := testing.AllocsPerRun(100, func() { buf, _ = AppendValues(buf[:0], vals) }); got != 0 {
		t.Errorf("AppendValues: got %v allocations, want 0", got)
	}
	// With small ints, a bool and an interned string there is nothing to box.
	enc, _ := AppendValues(nil, []any{int64(7), "word", true, nil})
	var d Decoder
	dst := make([]any, 4)
	if got := testing.AllocsPerRun(100, func() { dst, _, _ = d.DecodeValues(enc, dst) }); got != 0 {
		t.Errorf("Decoder.DecodeValues: got %v allocations, want 0", got)
	}
}

// A Decoder's short []byte values share a chunk; appending to one must not
// overwrite the next.
func TestDecoderArenaValuesAreCapped(t *testing.T) {
	enc, _ := AppendValues(nil, []any{[]byte("ab"), []byte("cd"), make([]byte, arenaValueBytesMax+1)})
	var d Decoder
	vals, _, err := d.DecodeValues(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, second := vals[0].([]byte), vals[1].([]byte)
	if cap(first) != len(first) {
		t.Errorf("got cap %d for a %d-byte value, want them equal", cap(first), len(first))
	}
	_ = append(first, "XX"...)
	if string(second) != "cd" {
		t.Errorf("got %q after appending to the previous value, want %q", second, "cd")
	}
	if len(vals[2].([]byte)) != arenaValueBytesMax+1 {
		t.Errorf("got a long value of %d bytes, want %d", len(vals[2].([]byte)), arenaValueBytesMax+1)
	}
}

// A Decoder reuses the box of a recurring number, and never returns a box
// holding another number: values whose slots collide, 0 and -0, and NaNs
// of different bits all come back exact.
func TestDecoderNumberCache(t *testing.T) {
	enc, _ := AppendValues(nil, []any{int64(1234567), 3.25, "key", true})
	var d Decoder
	dst := make([]any, 4)
	dst, _, _ = d.DecodeValues(enc, dst)
	if got := testing.AllocsPerRun(100, func() { dst, _, _ = d.DecodeValues(enc, dst) }); got != 0 {
		t.Errorf("decoding a recurring int64 and float64: got %v allocations, want 0", got)
	}
	negZero, nan1, nan2 := math.Copysign(0, -1), math.Float64frombits(0x7ff8000000000001), math.Float64frombits(0x7ff8000000000002)
	var vals []any
	for i := range 4 * numCacheLen {
		vals = append(vals, int64(i)*1_000_003-500_000, float64(i)/7)
	}
	vals = append(vals, 0.0, negZero, nan1, nan2, 0.0, negZero, nan2, nan1, int64(math.MinInt64), int64(math.MaxInt64))
	for round := range 2 { // the second round hits the slots the first filled
		for i := 0; i < len(vals); i += 2 {
			enc, _ := AppendValues(nil, vals[i:i+2])
			got, _, err := d.DecodeValues(enc, nil)
			if err != nil || !equalValues(got[0], vals[i]) || !equalValues(got[1], vals[i+1]) {
				t.Fatalf("round %d: got %v (%v), want %v", round, got, err, vals[i:i+2])
			}
		}
	}
}

// Ints take one-, two- and three-byte fast paths and the general varint
// otherwise: every width decodes as binary.Varint would, with and without a
// Decoder, and a varint cut short is ErrTruncated.
func TestDecodeIntWidths(t *testing.T) {
	var d Decoder
	for _, v := range []int64{0, -1, 63, -64, 64, -65, 8191, -8192, 8192, -8193, 1<<20 - 1, -(1 << 20), 1 << 20, -(1 << 20) - 1, math.MaxInt64, math.MinInt64} {
		enc := binary.AppendVarint([]byte{1, tagInt}, v)
		for _, dec := range []*Decoder{nil, &d} {
			got, n, err := dec.DecodeValues(enc, nil)
			if err != nil || n != len(enc) || len(got) != 1 || got[0] != any(v) {
				t.Errorf("%d: got %v, %d bytes, %v; want [%d], %d bytes", v, got, n, err, v, len(enc))
			}
			for cut := 2; cut < len(enc); cut++ {
				if _, _, err := dec.DecodeValues(enc[:cut], nil); !errors.Is(err, ErrTruncated) {
					t.Errorf("%d cut to %d bytes: got %v, want ErrTruncated", v, cut, err)
				}
			}
		}
	}
	// A non-minimal varint (0x80 0x00 is 0) decodes as encoding/binary reads it.
	if got, _, err := d.DecodeValues([]byte{1, tagInt, 0x80, 0x00}, nil); err != nil || got[0] != any(int64(0)) {
		t.Errorf("0x80 0x00: got %v, %v; want [0]", got, err)
	}
}
