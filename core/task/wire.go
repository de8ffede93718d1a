package task

import (
	"fmt"

	"github.com/squall/squall/core/tuple"
)

// System streams that carry acking between workers, as Storm's.
//
// An acking message is a frame with no values and exactly one anchor, whose
// fields have the meaning they have on a tuple: Anchor.Root is the tree's
// root and Anchor.Edge the value XORed into it (the initial edges for init,
// the acked tuple's id XOR its children's for ack, unused for fail and
// done). Source is the spout task of an init; ID is 1 on a done that
// reports a failed tree. Fixed fields rather than values: nothing to box or
// type-check, and an ack costs 24 bytes on the wire.
const (
	streamAckInit = "__ack_init"
	streamAckAck  = "__ack_ack"
	streamAckFail = "__ack_fail"
	streamAckDone = "__ack_done" // acker → spout task: the tree completed or failed
)

var ackStreams = [...]string{ackInit: streamAckInit, ackAck: streamAckAck, ackFail: streamAckFail, ackDone: streamAckDone}

// Wire-buffer bounds. An Encoder and a Decoder keep what they reuse from
// batch to batch; what a decoded tuple keeps (its roots) is carved from
// chunks, so a retained tuple pins at most one chunk.
const (
	wireRootsChunkLen = 1024 // roots per chunk: 8 KiB
)

// Encoder encodes batches of remote tuples and acking messages, frame by
// frame through one reused Frame, so encoding allocates only the output.
// The zero Encoder is ready; it is not safe for concurrent use.
type Encoder struct {
	w       tuple.BatchWriter
	frame   tuple.Frame
	anchors []tuple.Anchor
}

// AppendBatch encodes rs, at most tuple.FramesMax of them, for one worker
// and appends the batch to dst.
func (enc *Encoder) AppendBatch(dst []byte, rs []Remote) ([]byte, error) {
	dst, err := enc.w.Start(dst, len(rs))
	if err != nil {
		return dst, err
	}
	f := &enc.frame
	for i := range rs {
		r := &rs[i]
		anchors := enc.anchors[:0]
		*f = tuple.Frame{Dest: r.Dest, Source: r.Source}
		if r.Ack.Kind != ackNone {
			f.Stream = ackStreams[r.Ack.Kind]
			if r.Ack.Kind == ackInit {
				f.Source = r.Ack.Spout
			}
			if r.Ack.Failed {
				f.ID = 1
			}
			anchors = append(anchors, tuple.Anchor{Root: r.Ack.Root, Edge: r.Ack.Xor})
		} else {
			f.Stream, f.ID, f.Values = r.Stream, r.ID, r.Values
			for i, root := range r.Roots {
				edge := r.ID
				if r.Xors != nil {
					edge = r.Xors[i]
				}
				anchors = append(anchors, tuple.Anchor{Root: root, Edge: edge})
			}
		}
		f.Anchors, enc.anchors = anchors, anchors
		if dst, err = enc.w.Add(dst, f); err != nil {
			break
		}
	}
	*f = tuple.Frame{} // pin no values
	return dst, err
}

// AppendBatch encodes with a fresh Encoder.
func AppendBatch(dst []byte, rs []Remote) ([]byte, error) {
	var enc Encoder
	return enc.AppendBatch(dst, rs)
}

// Decoder decodes batches into Remotes. It keeps one tuple.Decoder (its
// string table and chunks) and reuses its frames and its output, so a
// steady flow allocates only the decoded values and a chunk of roots now and
// then. The zero Decoder is ready; it is not safe for concurrent use.
type Decoder struct {
	dec    tuple.Decoder
	frames []tuple.Frame
	out    []Remote
	roots  []uint64 // the rest of the current roots chunk
}

// DecodeBatch decodes what AppendBatch encoded; a corrupt batch is an error,
// never a panic, and delivers nothing. The returned slice is valid until the
// next call; the Values, Roots and Xors of its tuples are not reused and may
// be kept.
func (d *Decoder) DecodeBatch(src []byte) ([]Remote, error) {
	frames, err := d.decode(src)
	if err != nil {
		return nil, err
	}
	out := d.out[:0]
	for i := range frames {
		f := &frames[i]
		r := Remote{Dest: f.Dest, Source: f.Source}
		if kind := ackKind(f.Stream); kind != ackNone {
			r.Ack = frameAck(kind, f)
		} else {
			r.Stream, r.ID, r.Values = f.Stream, f.ID, Values(f.Values)
			r.Roots, r.Xors = d.rootsOf(f)
		}
		out = append(out, r)
		f.Values = nil // handed over: the next batch must not overwrite it
	}
	d.out = out
	return out, nil
}

// DeliverBatch decodes a batch and delivers every message in it to e, as
// DecodeBatch then Deliver would, without the Remotes in between: the
// worker's receive path. A corrupt batch is an error and delivers nothing.
func (d *Decoder) DeliverBatch(src []byte, e *Executor) error {
	frames, err := d.decode(src)
	if err != nil {
		return err
	}
	for i := range frames {
		f := &frames[i]
		if kind := ackKind(f.Stream); kind != ackNone {
			e.deliverAck(f.Dest, frameAck(kind, f))
			continue
		}
		roots, xors := d.rootsOf(f)
		e.deliverTuple(f.Dest, f.Source, f.Stream, f.ID, roots, xors, Values(f.Values))
		f.Values = nil // handed over: the next batch must not overwrite it
	}
	return nil
}

// Reset drops the references the Decoder's buffers hold to the last
// batch's values.
func (d *Decoder) Reset() {
	clear(d.out)
	d.out = d.out[:0]
}

// decode decodes src into the Decoder's frames and checks every acking
// frame's layout, so that nothing is delivered from a batch with a bad one.
func (d *Decoder) decode(src []byte) ([]tuple.Frame, error) {
	frames, err := d.dec.DecodeBatch(src, d.frames)
	d.frames = frames
	if err != nil {
		return nil, err
	}
	for i := range frames {
		f := &frames[i]
		if ackKind(f.Stream) != ackNone && (len(f.Anchors) != 1 || len(f.Values) != 0 || f.ID > 1) {
			return nil, fmt.Errorf("task: %s message with %d anchors, %d values and id %d, want 1, 0 and 0 or 1",
				f.Stream, len(f.Anchors), len(f.Values), f.ID)
		}
	}
	return frames, nil
}

// frameAck reads an acking message from a frame decode has checked.
func frameAck(kind ackMsgKind, f *tuple.Frame) ackMsg {
	a := f.Anchors[0]
	m := ackMsg{Kind: kind, Root: a.Root, Xor: a.Edge, Failed: f.ID == 1}
	if kind == ackInit {
		m.Spout = f.Source
	}
	return m
}

// rootsOf copies a tuple frame's roots into a carved slice, nil for none,
// and its anchors' edges into another when they differ from the frame's ID
// (a joined tuple's, see Tuple), nil when they do not.
func (d *Decoder) rootsOf(f *tuple.Frame) (roots, xors []uint64) {
	if len(f.Anchors) == 0 {
		return nil, nil
	}
	roots = d.newRoots(len(f.Anchors))
	same := true
	for i, a := range f.Anchors {
		roots[i] = a.Root
		same = same && a.Edge == f.ID
	}
	if same {
		return roots, nil
	}
	xors = d.newRoots(len(f.Anchors))
	for i, a := range f.Anchors {
		xors[i] = a.Edge
	}
	return roots, xors
}

// newRoots returns n roots carved from the current chunk, their capacity
// ending at their length so that appending to them never overwrites the
// next tuple's.
func (d *Decoder) newRoots(n int) []uint64 {
	if len(d.roots) < n {
		d.roots = make([]uint64, max(n, wireRootsChunkLen))
	}
	roots := d.roots[:n:n]
	d.roots = d.roots[n:]
	return roots
}

// DecodeBatch decodes with a fresh Decoder.
func DecodeBatch(src []byte) ([]Remote, error) {
	var d Decoder
	return d.DecodeBatch(src)
}

func ackKind(stream string) ackMsgKind {
	switch stream { // compiled to length and byte compares, no loop
	case streamAckInit:
		return ackInit
	case streamAckAck:
		return ackAck
	case streamAckFail:
		return ackFail
	case streamAckDone:
		return ackDone
	}
	return ackNone
}
