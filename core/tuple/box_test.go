package tuple

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// Boxed []byte values carved from header chunks behave like the runtime's
// boxes: they assert back to []byte, compare by content, and stay intact
// across later decodes and garbage collections while retained.
func TestDecoderBoxedBytesSurvive(t *testing.T) {
	var d Decoder
	const values = 3*headerChunkLen + 7 // several chunks
	kept := make([]any, 0, values)
	for i := range values {
		buf, err := AppendValues(nil, []any{[]byte(fmt.Sprintf("value-%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		vals, _, err := d.DecodeValues(buf, nil)
		if err != nil {
			t.Fatalf("decode %d: got %v, want nil", i, err)
		}
		kept = append(kept, vals[0])
		if i%100 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	for i, v := range kept {
		b, ok := v.([]byte)
		if want := []byte(fmt.Sprintf("value-%d", i)); !ok || !bytes.Equal(b, want) || len(b) != cap(b) {
			t.Fatalf("value %d: got %#v (ok %v, cap %d), want %q with cap = len", i, v, ok, cap(b), want)
		}
	}
	if got := fmt.Sprint(kept[1]); got != fmt.Sprint([]byte("value-1")) {
		t.Fatalf("printed: got %s, want the runtime's rendering", got)
	}
}
