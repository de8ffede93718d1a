package task

import (
	"bytes"
	"testing"
)

// FuzzDecodeBatch feeds arbitrary bytes to the worker's receive path: a
// batch from another worker. A corrupt batch must be an error, never a
// panic, and deliver nothing; a batch it accepts must survive a round trip
// through the encoder unchanged.
//
//	go test ./core/task/ -run '^$' -fuzz FuzzDecodeBatch -fuzztime 30s
func FuzzDecodeBatch(f *testing.F) {
	good, err := AppendBatch(nil, wireSample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, src []byte) {
		var dec Decoder
		got, err := dec.DecodeBatch(src)
		if err != nil {
			if got != nil {
				t.Fatalf("a refused batch delivered %d messages, want none", len(got))
			}
			return
		}
		got = append([]Remote(nil), got...) // the next decode reuses the slice
		enc, err := AppendBatch(nil, got)
		if err != nil {
			t.Fatalf("re-encoding an accepted batch of %d messages: %v", len(got), err)
		}
		again, err := dec.DecodeBatch(enc)
		if err != nil {
			t.Fatalf("decoding the re-encoding of an accepted batch: %v", err)
		}
		if len(again) != len(got) {
			t.Fatalf("round trip: got %d messages, want %d", len(again), len(got))
		}
		// Bytes, not values, are compared: a NaN value is not equal to itself.
		if enc2, _ := AppendBatch(nil, again); !bytes.Equal(enc2, enc) {
			t.Fatalf("round trip: got %x, want %x", enc2, enc)
		}
	})
}
