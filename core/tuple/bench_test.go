package tuple

import (
	"fmt"
	"testing"

	"github.com/squall/squall/core"
)

// benchTuple is a typical small tuple: an id, a 10-byte key, a measure, a
// flag and an 8-byte payload.
func benchTuple() []any {
	return []any{int64(1234567), "user-00042", 3.25, true, []byte("8 bytes!")}
}

func reportPerTuple(b *testing.B, tuples int) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N*tuples)
	b.ReportMetric(ns, "ns/tuple")
	b.ReportMetric(1e9/ns, "tuples/s")
}

// BenchmarkCodec encodes and decodes one 5-field tuple per op, reusing the
// buffer and the values slice. What allocations remain are the decoded
// values' interface boxes (see the package doc). The Decoder's interning
// removes the string's, and its number cache the int64's and float64's
// when they recur, as they do here; decoder-unique changes both every op.
func BenchmarkCodec(b *testing.B) {
	vals := benchTuple()
	b.Run("functions", func(b *testing.B) {
		benchCodec(b, vals, func(src []byte, dst []any) ([]any, int, error) { return DecodeValues(src, dst) })
	})
	b.Run("decoder", func(b *testing.B) {
		var d Decoder
		benchCodec(b, vals, d.DecodeValues)
	})
	// Every tuple a new int64 and float64: the Decoder's number cache
	// misses, and both are boxed.
	b.Run("decoder-unique", func(b *testing.B) {
		var d Decoder
		buf := make([]byte, 0, 64)
		vals, dst := benchTuple(), make([]any, 0, 5)
		b.ReportAllocs()
		i := int64(0)
		for b.Loop() {
			i++
			vals[0], vals[2] = 1234567+i, 3.25+float64(i)
			buf, _ = AppendValues(buf[:0], vals)
			var err error
			if dst, _, err = d.DecodeValues(buf, dst); err != nil {
				b.Fatal(err)
			}
		}
		reportPerTuple(b, 1)
	})
	b.Run("encode", func(b *testing.B) {
		buf := make([]byte, 0, 64)
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = AppendValues(buf[:0], vals)
		}
		reportPerTuple(b, 1)
		b.ReportMetric(float64(len(buf)), "bytes/tuple")
	})
}

func benchCodec(b *testing.B, vals []any, decode func([]byte, []any) ([]any, int, error)) {
	buf := make([]byte, 0, 64)
	dst := make([]any, 0, len(vals))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendValues(buf[:0], vals); err != nil {
			b.Fatal(err)
		}
		if dst, _, err = decode(buf, dst); err != nil {
			b.Fatal(err)
		}
	}
	if !equalValues(dst, vals) {
		b.Fatalf("got %v, want %v", dst, vals)
	}
	reportPerTuple(b, 1)
}

// BenchmarkFrameBatch encodes and decodes batches of 100 frames, each with
// one anchor and the 5-field tuple, as a worker's transfer path would: one
// buffer and one frame slice reused across batches, one Decoder.
func BenchmarkFrameBatch(b *testing.B) {
	const framesPerBatch = 100
	frames := make([]Frame, framesPerBatch)
	for i := range frames {
		frames[i] = Frame{
			Dest: core.TaskID(i % 8), Source: 3, Stream: "default", ID: uint64(i) * 0x9e3779b97f4a7c15,
			Anchors: []Anchor{{Root: 0xabcdef, Edge: uint64(i)}}, Values: benchTuple(),
		}
	}
	var d Decoder
	var buf []byte
	var into []Frame
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendBatch(buf[:0], frames); err != nil {
			b.Fatal(err)
		}
		if into, err = d.DecodeBatch(buf, into); err != nil {
			b.Fatal(err)
		}
	}
	if len(into) != framesPerBatch || !equalFrames(&into[99], &frames[99]) {
		b.Fatalf("got %d frames, the last %+v; want %d, the last %+v", len(into), into[99], framesPerBatch, frames[99])
	}
	reportPerTuple(b, framesPerBatch)
	b.ReportMetric(float64(len(buf))/framesPerBatch, "bytes/tuple")
}

// BenchmarkHash hashes the key fields of the 5-field tuple.
func BenchmarkHash(b *testing.B) {
	vals := benchTuple()
	for _, fields := range [][]int{{0}, {1}, {0, 1}, {0, 1, 2, 3, 4}} {
		b.Run(fmt.Sprint(fields), func(b *testing.B) {
			b.ReportAllocs()
			var h uint64
			for b.Loop() {
				h ^= Hash(vals, fields)
			}
			if h == 0 && b.N%2 == 1 {
				b.Fatal("an odd number of equal hashes XORed to 0")
			}
		})
	}
}

// BenchmarkCanonical is what every emit pays to check its values: a
// canonical 5-field tuple, and one with an int to convert.
func BenchmarkCanonical(b *testing.B) {
	b.Run("canonical", func(b *testing.B) {
		vals := benchTuple()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Canonical(vals); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("convert", func(b *testing.B) {
		vals := benchTuple()
		vals[0] = int(1234567)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Canonical(vals); err != nil {
				b.Fatal(err)
			}
		}
	})
}
