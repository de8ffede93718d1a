package tuple

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

type label string // a named string type: not a codec type

// canonicalCases are a value of every Go type a tuple may carry, with what
// a receiver reads, locally and after decoding alike.
var canonicalCases = []struct {
	name   string
	in, to any
}{
	{"nil", nil, nil},
	{"bool", true, true},
	{"int", int(-7), int64(-7)},
	{"int8", int8(-8), int64(-8)},
	{"int16", int16(-16), int64(-16)},
	{"int32", int32(-32), int64(-32)},
	{"int64", int64(math.MinInt64), int64(math.MinInt64)},
	{"uint", uint(7), int64(7)},
	{"uint8", uint8(255), int64(255)},
	{"uint16", uint16(65535), int64(65535)},
	{"uint32", uint32(math.MaxUint32), int64(math.MaxUint32)},
	{"uint64", uint64(math.MaxInt64), int64(math.MaxInt64)},
	{"float32", float32(0.5), float64(0.5)},
	{"float64", 2.25, 2.25},
	{"string", "s", "s"},
	{"[]byte", []byte("b"), []byte("b")},
	{"list", []any{int(1), []any{float32(1.5), "x"}}, []any{int64(1), []any{1.5, "x"}}},
}

// Canonical values are what decoding their encoding gives, for every
// supported type, and Canonical never modifies its input.
func TestCanonicalIsWhatDecodingGives(t *testing.T) {
	for _, tc := range canonicalCases {
		vals := []any{"first", tc.in}
		in := []any{"first", tc.in}
		got, err := Canonical(vals)
		if err != nil {
			t.Errorf("%s: got error %v, want none", tc.name, err)
			continue
		}
		buf, err := AppendValues(nil, got) // what a remote emit sends
		if err != nil {
			t.Fatalf("%s: encode: %v", tc.name, err)
		}
		decoded, _, err := DecodeValues(buf, nil)
		if err != nil {
			t.Fatalf("%s: decode: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, decoded) || !reflect.DeepEqual(got[1], tc.to) {
			t.Errorf("%s: got %#v, want %#v (decoded %#v)", tc.name, got[1], tc.to, decoded[1])
		}
		if !reflect.DeepEqual(vals, in) {
			t.Errorf("%s: got input changed to %#v, want %#v", tc.name, vals, in)
		}
	}
}

// Canonical values come back as they are, without a copy or allocation,
// small ones (checked at a glance) and others (walked) alike.
func TestCanonicalKeepsCanonicalValues(t *testing.T) {
	small := []any{int64(1234567), "user-00042", 3.25, true, []byte("8 bytes!"), nil}
	walked := append([]any{[]any{int64(1)}, strings.Repeat("x", smallBytesMax+1)}, make([]any, smallValuesMax)...)
	for _, vals := range [][]any{small, walked} {
		got, err := Canonical(vals)
		if err != nil || &got[0] != &vals[0] {
			t.Errorf("%d values: got a copy (%v) or error %v, want vals itself", len(vals), &got[0] != &vals[0], err)
		}
		if n := testing.AllocsPerRun(100, func() { _, _ = Canonical(vals) }); n != 0 {
			t.Errorf("%d values: got %v allocations per call, want 0", len(vals), n)
		}
	}
}

// Canonical refuses what AppendValues refuses, with the same sentinel.
func TestCanonicalRefusesWhatTheEncoderRefuses(t *testing.T) {
	self := []any{int64(1)}
	self[0] = self
	wide := make([]any, ValuesMax) // 4096 strings of 1 KiB: over ValuesBytesMax
	for i := range wide {
		wide[i] = strings.Repeat("x", 1<<10)
	}
	shared := []any{int64(1)} // lists sharing lists: 4096^8 leaves, few bytes
	for range ListDepthMax - 1 {
		next := make([]any, ValuesMax)
		for i := range next {
			next[i] = shared
		}
		shared = next
	}
	tests := []struct {
		name string
		vals []any
		want error
	}{
		{"struct", []any{struct{}{}}, ErrUnsupported},
		{"map", []any{map[string]int{}}, ErrUnsupported},
		{"[]string", []any{[]string{"a"}}, ErrUnsupported},
		{"named string", []any{label("a")}, ErrUnsupported},
		{"uintptr", []any{uintptr(1)}, ErrUnsupported},
		{"uint64 over int64", []any{uint64(math.MaxUint64)}, ErrUnsupported},
		{"uint over int64", []any{uint(math.MaxUint64)}, ErrUnsupported},
		{"in a list", []any{[]any{int64(1), complex(1, 1)}}, ErrUnsupported},
		{"long string", []any{strings.Repeat("x", BytesMax+1)}, ErrTooLarge},
		{"too many values", make([]any, ValuesMax+1), ErrTooLarge},
		{"too deep", []any{nested(ListDepthMax+1, int64(1))}, ErrTooLarge},
		{"self-containing", []any{self}, ErrTooLarge},
		{"over ValuesBytesMax", wide, ErrTooLarge},
		{"shared lists", []any{shared}, ErrTooLarge},
	}
	for _, tc := range tests {
		_, err := Canonical(tc.vals)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got error %v, want %v", tc.name, err, tc.want)
		}
		if _, encErr := AppendValues(nil, tc.vals); !errors.Is(encErr, tc.want) && tc.want == ErrTooLarge {
			t.Errorf("%s: got encoder error %v, want %v too", tc.name, encErr, tc.want)
		}
	}
}

// The size Canonical adds up is the encoding's, byte for byte: its limit
// is the encoder's.
func TestCanonicalSizeIsTheEncodingSize(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vals := rapid.SliceOfN(genValue(2), 0, 8).Draw(t, "values")
		w := canonWalk{bytes: uvarintLen(uint64(len(vals)))}
		for _, v := range vals {
			if _, _, err := w.value(v, 0); err != nil {
				t.Fatal(err)
			}
		}
		canon, err := Canonical(vals)
		if err != nil {
			t.Fatal(err)
		}
		buf, err := AppendValues(nil, canon)
		if err != nil {
			t.Fatal(err)
		}
		if w.bytes != len(buf) {
			t.Errorf("got size %d, want the encoding's %d", w.bytes, len(buf))
		}
	})
}

func genValue(depth int) *rapid.Generator[any] {
	leaves := []*rapid.Generator[any]{
		rapid.Just[any](nil), rapid.Map(rapid.Bool(), toAny[bool]),
		rapid.Map(rapid.Int64(), toAny[int64]), rapid.Map(rapid.Float64(), toAny[float64]),
		rapid.Map(rapid.String(), toAny[string]), rapid.Map(rapid.SliceOf(rapid.Byte()), toAny[[]byte]),
		rapid.Map(rapid.Int(), toAny[int]), rapid.Map(rapid.Uint32(), toAny[uint32]),
	}
	if depth > 0 {
		leaves = append(leaves, rapid.Map(rapid.SliceOfN(genValue(depth-1), 0, 4), toAny[[]any]))
	}
	return rapid.OneOf(leaves...)
}

func toAny[T any](v T) any { return v }
