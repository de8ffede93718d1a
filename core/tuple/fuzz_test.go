package tuple

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to DecodeValues, DecodeFrame and
// DecodeBatch. None may panic; an error must be a *DecodeError pointing into
// the input; and what decodes must re-encode, decode to equal values, and
// re-encode to the same bytes (the encoding is canonical).
//
//	go test ./core/tuple/ -run '^$' -fuzz FuzzDecode -fuzztime 30s
func FuzzDecode(f *testing.F) {
	for _, vals := range [][]any{
		{}, {nil, true, false}, {int64(-5), 7, 3.25, "word", []byte("b")},
		{[]any{[]any{"x", nil}, int64(1)}}, {nested(ListDepthMax, "leaf")},
	} {
		enc, err := AppendValues(nil, vals)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	frames := testFrames()[:5]
	for i := range frames {
		enc, err := AppendFrame(nil, &frames[i])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	batch, err := AppendBatch(nil, frames)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(batch)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, src []byte) {
		fuzzValues(t, src)
		fuzzFrame(t, src)
		fuzzBatch(t, src)
	})
}

func fuzzCheckError(t *testing.T, src []byte, err error) {
	t.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("got error %v (%T), want a *DecodeError", err, err)
	}
	if de.Offset < 0 || de.Offset > len(src) {
		t.Fatalf("got offset %d, want it within the %d input bytes", de.Offset, len(src))
	}
	if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTruncated, ErrCorrupt or ErrTooLarge", err)
	}
}

func fuzzValues(t *testing.T, src []byte) {
	dst := []any{"stale", int64(1), "stale"} // exercise reuse
	vals, n, err := DecodeValues(src, dst)
	if err != nil {
		fuzzCheckError(t, src, err)
		return
	}
	if n <= 0 || n > len(src) {
		t.Fatalf("consumed %d of %d bytes", n, len(src))
	}
	var d Decoder
	if interned, _, err := d.DecodeValues(src, nil); err != nil || !equalValues(interned, vals) {
		t.Fatalf("Decoder: got %v, %v; want %v as DecodeValues decoded", interned, err, vals)
	}
	enc, err := AppendValues(nil, vals)
	if err != nil {
		t.Fatalf("re-encoding decoded values: %v", err)
	}
	again, n2, err := DecodeValues(enc, nil)
	if err != nil || n2 != len(enc) || !equalValues(again, vals) {
		t.Fatalf("decoding the re-encoding: got %v, %d, %v; want %v, %d", again, n2, err, vals, len(enc))
	}
	if enc2, _ := AppendValues(nil, again); !bytes.Equal(enc2, enc) {
		t.Fatalf("re-encoding is not canonical: %x then %x", enc, enc2)
	}
	fields := all(vals)
	if got, want := Hash(vals, fields), hashReference(t, vals, fields); got != want {
		t.Fatalf("Hash: got %#x, want %#x", got, want)
	}
}

func fuzzFrame(t *testing.T, src []byte) {
	f := Frame{Stream: "default", Anchors: make([]Anchor, 1, 2), Values: []any{"stale"}}
	n, err := DecodeFrame(src, &f)
	if err != nil {
		fuzzCheckError(t, src, err)
		return
	}
	if n <= 0 || n > len(src) {
		t.Fatalf("consumed %d of %d bytes", n, len(src))
	}
	enc, err := AppendFrame(nil, &f)
	if err != nil {
		t.Fatalf("re-encoding a decoded frame: %v", err)
	}
	var again Frame
	if n2, err := DecodeFrame(enc, &again); err != nil || n2 != len(enc) || !equalFrames(&again, &f) {
		t.Fatalf("decoding the re-encoding: got %+v, %d, %v; want %+v, %d", again, n2, err, f, len(enc))
	}
}

func fuzzBatch(t *testing.T, src []byte) {
	into := make([]Frame, 1, 2)
	frames, err := DecodeBatch(src, into)
	if err != nil {
		fuzzCheckError(t, src, err)
		return
	}
	enc, err := AppendBatch(nil, frames)
	if err != nil {
		t.Fatalf("re-encoding a decoded batch: %v", err)
	}
	var d Decoder
	again, err := d.DecodeBatch(enc, nil)
	if err != nil || len(again) != len(frames) {
		t.Fatalf("decoding the re-encoding: got %d frames, %v; want %d", len(again), err, len(frames))
	}
	for i := range again {
		if !equalFrames(&again[i], &frames[i]) {
			t.Fatalf("frame %d: got %+v, want %+v", i, again[i], frames[i])
		}
	}
}
