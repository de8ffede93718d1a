package task

import (
	"errors"
	"reflect"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/tuple"
)

// wireSample holds one of each kind of message a worker sends.
func wireSample() []Remote {
	return []Remote{
		{Dest: 5, Source: 2, Stream: "default", ID: 0xfeed, Roots: []uint64{11, 12}, Values: Values{int64(7), "seven", []byte("7")}},
		{Dest: 6, Source: 2, Stream: "default", Values: Values{nil}}, // unanchored
		// A joined tuple: a value per root.
		{Dest: 5, Source: 2, Stream: "default", Roots: []uint64{11, 12, 13}, Xors: []uint64{0xa, 0xb, 0xa}, Values: Values{int64(1)}},
		{Dest: 1, Source: 3, Ack: ackMsg{Kind: ackInit, Root: 11, Xor: 0xabc, Spout: 3}},
		{Dest: 1, Ack: ackMsg{Kind: ackAck, Root: 11, Xor: 0xdef}},
		{Dest: 1, Ack: ackMsg{Kind: ackFail, Root: 12}},
		{Dest: 3, Ack: ackMsg{Kind: ackDone, Root: 11}},
		{Dest: 3, Ack: ackMsg{Kind: ackDone, Root: 12, Failed: true}},
	}
}

func TestWireRoundTrip(t *testing.T) {
	var enc Encoder
	var dec Decoder
	want := wireSample()
	for round := range 3 { // the buffers are reused from the second round on
		buf, err := enc.AppendBatch(nil, want)
		if err != nil {
			t.Fatalf("round %d: encode: %v", round, err)
		}
		got, err := dec.DecodeBatch(buf)
		if err != nil {
			t.Fatalf("round %d: decode: %v", round, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: got %+v, want %+v", round, got, want)
		}
	}
}

// Decoded values and roots may be kept: the next batch must not overwrite
// them, though the Decoder reuses its buffers.
func TestWireDecodedTuplesSurviveTheNextBatch(t *testing.T) {
	var enc Encoder
	var dec Decoder
	first, _ := enc.AppendBatch(nil, []Remote{{Dest: 1, Stream: "s", ID: 1, Roots: []uint64{100}, Values: Values{int64(1000)}}})
	second, _ := enc.AppendBatch(nil, []Remote{{Dest: 1, Stream: "s", ID: 2, Roots: []uint64{200}, Values: Values{int64(2000)}}})
	got, err := dec.DecodeBatch(first)
	if err != nil {
		t.Fatal(err)
	}
	kept := got[0]
	if _, err := dec.DecodeBatch(second); err != nil {
		t.Fatal(err)
	}
	if kept.Values[0] != int64(1000) || kept.Roots[0] != 100 {
		t.Errorf("got values %v and roots %v kept from the first batch, want [1000] and [100]", kept.Values, kept.Roots)
	}
}

// Acking frames have fixed fields; frames that break the layout are
// refused, as is every truncation of a valid batch, without a panic.
func TestWireRejectsMalformed(t *testing.T) {
	bad := []tuple.Frame{
		{Dest: 1, Stream: streamAckAck, Values: []any{int64(1)}, Anchors: []tuple.Anchor{{Root: 1}}},
		{Dest: 1, Stream: streamAckAck},
		{Dest: 1, Stream: streamAckDone, ID: 2, Anchors: []tuple.Anchor{{Root: 1}}},
	}
	for i := range bad {
		buf, err := tuple.AppendBatch(nil, bad[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DecodeBatch(buf); err == nil {
			t.Errorf("frame %+v: got %+v, want an error", bad[i], got)
		}
	}
	good, _ := AppendBatch(nil, wireSample())
	for n := range len(good) {
		var de *tuple.DecodeError
		if _, err := DecodeBatch(good[:n]); !errors.As(err, &de) {
			t.Errorf("batch cut to %d of %d bytes: got %v, want a *tuple.DecodeError", n, len(good), err)
		}
	}
}

func BenchmarkWire(b *testing.B) {
	var enc Encoder
	var dec Decoder
	rs := make([]Remote, 0, 100)
	for i := range 50 {
		rs = append(rs, Remote{Dest: 5, Source: 2, Stream: "default", ID: uint64(i), Roots: []uint64{uint64(i)}, Values: Values{int64(i) << 20}},
			Remote{Dest: 1, Ack: ackMsg{Kind: ackAck, Root: uint64(i), Xor: uint64(i) * 3}})
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = enc.AppendBatch(buf[:0], rs)
		if _, err := dec.DecodeBatch(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rs)), "ns/message")
}

// DeliverBatch delivers every message of a good batch, and nothing of a
// batch whose last acking frame is malformed.
func TestDeliverBatchAllOrNothing(t *testing.T) {
	e, s, spout := floodExecutor(t)
	roots := emitRoots(e, 8)[:8]
	var rs []Remote
	for _, root := range roots {
		rs = append(rs, Remote{Dest: spout, Ack: ackMsg{Kind: ackDone, Root: root}})
	}
	good, _ := AppendBatch(nil, rs)
	frames := make([]tuple.Frame, 0, len(rs)+1)
	for _, root := range roots {
		frames = append(frames, tuple.Frame{Dest: spout, Stream: streamAckDone, Anchors: []tuple.Anchor{{Root: root}}})
	}
	bad, _ := tuple.AppendBatch(nil, append(frames, tuple.Frame{Dest: spout, Stream: streamAckDone}))
	var d Decoder
	if err := d.DeliverBatch(bad, e); err == nil {
		t.Errorf("got no error for a batch with an acking frame without its anchor, want one")
	}
	e.Step(core.Time(100), stepBudgetTest)
	if s.acked != 0 {
		t.Errorf("got %d acks from a rejected batch, want 0", s.acked)
	}
	if err := d.DeliverBatch(good, e); err != nil {
		t.Fatal(err)
	}
	e.Step(core.Time(101), stepBudgetTest)
	if s.acked != int64(len(roots)) {
		t.Errorf("got %d acks from a good batch, want %d", s.acked, len(roots))
	}
}
