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
	"unsafe"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

func equalFrames(a, b *Frame) bool {
	if a.Dest != b.Dest || a.Source != b.Source || a.Stream != b.Stream || a.ID != b.ID ||
		len(a.Anchors) != len(b.Anchors) || !equalValues(a.Values, b.Values) {
		return false
	}
	for i := range a.Anchors {
		if a.Anchors[i] != b.Anchors[i] {
			return false
		}
	}
	return true
}

func anchors(n int) []Anchor {
	as := make([]Anchor, n)
	for i := range as {
		as[i] = Anchor{Root: uint64(i) * 0x9e3779b97f4a7c15, Edge: ^uint64(i)}
	}
	return as
}

func testFrames() []Frame {
	return []Frame{
		{},
		{Dest: 7, Source: 3, Stream: "default", ID: 0xfeedface, Anchors: anchors(1), Values: []any{"word", int64(1)}},
		{Dest: math.MaxInt32, Source: math.MinInt32, Stream: "__ack_ack", ID: math.MaxUint64, Values: []any{nil}},
		{Dest: 1, Source: 2, Stream: strings.Repeat("s", StreamBytesMax), Anchors: anchors(AnchorsMax), Values: []any{}},
		{Dest: 4, Source: 5, Stream: "big", Values: []any{strings.Repeat("v", 200)}},         // a 2-byte length in a batch
		{Dest: 4, Source: 5, Stream: "bigger", Values: []any{make([]byte, 20000), []any{1}}}, // a 3-byte length
	}
}

func TestStreamBytesMaxIsTopologys(t *testing.T) {
	if StreamBytesMax != topology.NameBytesMax {
		t.Errorf("got StreamBytesMax %d, want topology.NameBytesMax %d", StreamBytesMax, topology.NameBytesMax)
	}
}

func TestFrameRoundTrip(t *testing.T) {
	for i, want := range testFrames() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			enc, err := AppendFrame([]byte("x"), &want)
			if err != nil {
				t.Fatalf("AppendFrame: %v", err)
			}
			if len(enc)-1 > FrameBytesMax {
				t.Errorf("got a frame of %d bytes, over FrameBytesMax %d", len(enc)-1, FrameBytesMax)
			}
			var got Frame
			n, err := DecodeFrame(append(enc[1:], 0xff), &got)
			if err != nil {
				t.Fatalf("DecodeFrame: %v", err)
			}
			if n != len(enc)-1 {
				t.Errorf("consumed %d bytes, want %d", n, len(enc)-1)
			}
			if !equalFrames(&got, &want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestFrameGolden(t *testing.T) {
	f := Frame{Dest: 3, Source: -1, Stream: "s", ID: 2, Anchors: []Anchor{{Root: 1, Edge: 0x10}}, Values: []any{true}}
	got, err := AppendFrame(nil, &f)
	if err != nil {
		t.Fatal(err)
	}
	want := "06" + "01" + "0173" + "0200000000000000" + "01" + "0100000000000000" + "1000000000000000" + "0102"
	if hex.EncodeToString(got) != want {
		t.Errorf("got %x, want %s", got, want)
	}
}

func TestDecodeFrameReuses(t *testing.T) {
	want := Frame{Dest: 1, Stream: "default", Anchors: anchors(2), Values: []any{"a", "b"}}
	enc, _ := AppendFrame(nil, &want)
	f := Frame{Stream: strings.Clone("default"), Anchors: make([]Anchor, 0, 4), Values: make([]any, 0, 4)}
	stream, anchorsArr, valuesArr := unsafe.StringData(f.Stream), &f.Anchors[:1][0], &f.Values[:1][0]
	if _, err := DecodeFrame(enc, &f); err != nil {
		t.Fatal(err)
	}
	if !equalFrames(&f, &want) {
		t.Fatalf("got %+v, want %+v", f, want)
	}
	if unsafe.StringData(f.Stream) != stream || &f.Anchors[0] != anchorsArr || &f.Values[0] != valuesArr {
		t.Errorf("DecodeFrame allocated a stream, anchors or values it could have reused")
	}
}

func TestAppendFrameErrors(t *testing.T) {
	tests := []struct {
		name    string
		f       Frame
		wantErr error
	}{
		{"stream too long", Frame{Stream: strings.Repeat("s", StreamBytesMax+1)}, ErrTooLarge},
		{"too many anchors", Frame{Anchors: anchors(AnchorsMax + 1)}, ErrTooLarge},
		{"bad value", Frame{Stream: "default", Values: []any{1, uint8(2)}}, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendFrame([]byte("keep"), &tt.f)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("got error %v, want %v", err, tt.wantErr)
			}
			if string(got) != "keep" {
				t.Errorf("got dst %.20q, want it unchanged", got)
			}
		})
	}
}

func TestDecodeFrameErrors(t *testing.T) {
	tests := []struct {
		name       string
		hex        string
		wantErr    error
		wantOffset int
	}{
		{"empty", "", ErrTruncated, 0},
		{"dest out of int32", "8080808020", ErrCorrupt, 0},
		{"source cut", "06", ErrTruncated, 1},
		{"stream too long", "0601" + "8101", ErrTooLarge, 2},
		{"stream cut", "0601" + "0373", ErrTruncated, 2},
		{"id cut", "0601" + "0173" + "02000000", ErrTruncated, 4},
		{"anchors over AnchorsMax", "0601" + "0173" + "0200000000000000" + "8108", ErrTooLarge, 12},
		{"anchors cut", "0601" + "0173" + "0200000000000000" + "02" + "0100000000000000", ErrTruncated, 12},
		{"values cut", "0601" + "0173" + "0200000000000000" + "00", ErrTruncated, 13},
		{"value corrupt", "0601" + "0173" + "0200000000000000" + "00" + "0109", ErrCorrupt, 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			var f Frame
			_, err = DecodeFrame(src, &f)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a *DecodeError", err)
			}
			if !errors.Is(err, tt.wantErr) || de.Offset != tt.wantOffset {
				t.Errorf("got %v (offset %d), want %v at offset %d", err, de.Offset, tt.wantErr, tt.wantOffset)
			}
		})
	}
}

func TestBatchRoundTrip(t *testing.T) {
	hundred := make([]Frame, 100)
	for i := range hundred {
		hundred[i] = Frame{Dest: core.TaskID(i), Source: 1, Stream: "default", ID: uint64(i), Values: []any{int64(i), "w"}}
	}
	for _, tt := range []struct {
		name   string
		frames []Frame
	}{
		{"none", nil},
		{"one", testFrames()[1:2]},
		{"varied", testFrames()},
		{"hundred", hundred},
	} {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := AppendBatch([]byte("x"), tt.frames)
			if err != nil {
				t.Fatalf("AppendBatch: %v", err)
			}
			into := make([]Frame, 1, 3) // one frame to reuse, room for two more
			got, err := DecodeBatch(enc[1:], into)
			if err != nil {
				t.Fatalf("DecodeBatch: %v", err)
			}
			if len(got) != len(tt.frames) {
				t.Fatalf("got %d frames, want %d", len(got), len(tt.frames))
			}
			for i := range got {
				if !equalFrames(&got[i], &tt.frames[i]) {
					t.Errorf("frame %d: got %+v, want %+v", i, got[i], tt.frames[i])
				}
			}
			if len(got) > 0 && len(got) <= cap(into) && &got[0] != &into[0] {
				t.Errorf("DecodeBatch did not reuse into")
			}
		})
	}
}

func TestAppendBatchErrors(t *testing.T) {
	bad := []Frame{{Stream: "ok"}, {Values: []any{struct{}{}}}}
	got, err := AppendBatch([]byte("keep"), bad)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "frame 1: value 0") {
		t.Errorf("got error %v, want ErrUnsupported naming frame 1, value 0", err)
	}
	if string(got) != "keep" {
		t.Errorf("got dst %.20q, want it unchanged", got)
	}
	if _, err := AppendBatch(nil, make([]Frame, FramesMax+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("FramesMax+1 frames: got %v, want ErrTooLarge", err)
	}
	huge := make([]Frame, 5)
	for i := range huge {
		huge[i].Values = []any{make([]byte, BytesMax), make([]byte, BytesMax), make([]byte, BytesMax), make([]byte, BytesMax-100)}
	}
	if _, err := AppendBatch(nil, huge); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a batch over BatchBytesMax: got %v, want ErrTooLarge", err)
	}
}

func TestDecodeBatchErrors(t *testing.T) {
	// One frame {Dest: 3, Stream: "s", Values: [true]}: 15 bytes.
	frame := "06" + "00" + "0173" + "0000000000000000" + "00" + "0102"
	tests := []struct {
		name       string
		hex        string
		wantErr    error
		wantOffset int
	}{
		{"empty", "", ErrTruncated, 0},
		{"count over FramesMax", "8108", ErrTooLarge, 0},
		{"count over bytes", "05" + "00", ErrTruncated, 0},
		{"length cut", "01" + "0f" + frame[:20], ErrTruncated, 1},
		{"frame runs past its length", "02" + "0e" + frame + "00", ErrCorrupt, 15},
		{"frame shorter than its length", "01" + "10" + frame + "00", ErrCorrupt, 17},
		{"bytes after the last frame", "01" + "0f" + frame + "00", ErrCorrupt, 17},
		{"second frame corrupt", "02" + "0f" + frame + "0f" + frame[:28] + "09", ErrCorrupt, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			frames, err := DecodeBatch(src, nil)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %d frames, %v; want a *DecodeError", len(frames), err)
			}
			if !errors.Is(err, tt.wantErr) || de.Offset != tt.wantOffset {
				t.Errorf("got %v (offset %d), want %v at offset %d", err, de.Offset, tt.wantErr, tt.wantOffset)
			}
		})
	}
	if _, err := DecodeBatch(make([]byte, BatchBytesMax+1), nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a batch over BatchBytesMax: got %v, want ErrTooLarge", err)
	}
}

func TestDecoderInterns(t *testing.T) {
	frames := []Frame{{Stream: "words", Values: []any{"the", "the"}}, {Stream: "words", Values: []any{"the"}}}
	enc, _ := AppendBatch(nil, frames)
	var d Decoder
	got, err := d.DecodeBatch(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	the := unsafe.StringData(got[0].Values[0].(string))
	if unsafe.StringData(got[0].Values[1].(string)) != the || unsafe.StringData(got[1].Values[0].(string)) != the ||
		unsafe.StringData(got[0].Stream) != unsafe.StringData(got[1].Stream) {
		t.Errorf("equal strings were allocated twice")
	}
	d = Decoder{}
	for i := range InternEntriesMax + 10 {
		d.str(fmt.Appendf(nil, "key-%d", i))
	}
	if len(d.strs) > InternEntriesMax || len(d.strs) == 0 {
		t.Errorf("got %d interned strings, want 1..%d", len(d.strs), InternEntriesMax)
	}
	long := bytes.Repeat([]byte("l"), InternBytesMax+1)
	if d.str(long); len(d.strs) != 10 {
		t.Errorf("got %d interned strings after a long one, want 10 (long strings are not interned)", len(d.strs))
	}
}

// Task ids take a one-byte path for -64..63 and the general varint
// otherwise; both must encode as binary.AppendVarint does and decode back.
func TestFrameTaskIDs(t *testing.T) {
	for _, id := range []core.TaskID{0, 1, -1, 63, -64, 64, -65, 1 << 20, math.MaxInt32, math.MinInt32} {
		if got, want := appendTaskID(nil, id), binary.AppendVarint(nil, int64(id)); !bytes.Equal(got, want) {
			t.Errorf("task %d: got encoding %x, want %x", id, got, want)
		}
		enc, err := AppendFrame(nil, &Frame{Dest: id, Source: -id - 1, Stream: "s"})
		if err != nil {
			t.Fatal(err)
		}
		var f Frame
		if _, err := DecodeFrame(enc, &f); err != nil || f.Dest != id || f.Source != -id-1 {
			t.Errorf("task %d: got dest %d source %d (%v), want %d and %d", id, f.Dest, f.Source, err, id, -id-1)
		}
	}
}

// A BatchWriter appends the bytes AppendBatch does, and refuses what it
// refuses.
func TestBatchWriter(t *testing.T) {
	frames := []Frame{
		{Dest: 1, Source: 2, Stream: "default", ID: 9, Anchors: []Anchor{{Root: 3, Edge: 4}}, Values: []any{int64(5), "x"}},
		{Dest: 100, Stream: "__ack_ack", Anchors: []Anchor{{Root: 7, Edge: 8}}},
		{Dest: 3, Stream: "s", Values: []any{strings.Repeat("v", 300)}}, // a frame over 127 bytes
	}
	want, err := AppendBatch([]byte("prefix"), frames)
	if err != nil {
		t.Fatal(err)
	}
	var w BatchWriter
	got, err := w.Start([]byte("prefix"), len(frames))
	for i := range frames {
		if err == nil {
			got, err = w.Add(got, &frames[i])
		}
	}
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("got %x (%v), want %x", got, err, want)
	}
	if _, err := w.Start(nil, FramesMax+1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("start of %d frames: got %v, want ErrTooLarge", FramesMax+1, err)
	}
	got, _ = w.Start([]byte("p"), 1)
	if got, err = w.Add(got, &Frame{Stream: strings.Repeat("s", StreamBytesMax+1)}); !errors.Is(err, ErrTooLarge) || string(got) != "p" {
		t.Errorf("add of a bad frame: got %q and %v, want %q and ErrTooLarge", got, err, "p")
	}
}

// The recent-strings cache in front of the table returns equal strings
// whatever collides in it: keys that share their ends, short keys, and the
// empty string (whose slot starts out as the zero value).
func TestDecoderRecentStrings(t *testing.T) {
	var d Decoder
	keys := []string{"", "", "a", "ab", "prefix--middle-A--suffix", "prefix--middle-B--suffix", "12345678", "123456789"}
	for i := range 2000 {
		keys = append(keys, fmt.Sprintf("k%07d", i%700)) // 8 bytes: first and last words coincide
	}
	for round := range 3 {
		for _, k := range keys {
			if got := d.str([]byte(k)); got != any(k) {
				t.Fatalf("round %d: got %q for %q", round, got, k)
			}
			if got := d.stream([]byte(k), "other"); got != k {
				t.Fatalf("round %d: got stream %q for %q", round, got, k)
			}
		}
	}
}
