package task

import (
	"fmt"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/tuple"
)

// System streams that carry acking between workers, as Storm's.
const (
	streamAckInit = "__ack_init"
	streamAckAck  = "__ack_ack"
	streamAckFail = "__ack_fail"
	streamAckDone = "__ack_done" // acker → spout task: the tree completed or failed
)

var ackStreams = [...]string{ackInit: streamAckInit, ackAck: streamAckAck, ackFail: streamAckFail, ackDone: streamAckDone}

// AppendBatch encodes remote tuples and acking messages for one worker.
func AppendBatch(dst []byte, rs []Remote) ([]byte, error) {
	frames := make([]tuple.Frame, len(rs))
	for i, r := range rs {
		f := &frames[i]
		f.Dest, f.Source = r.Dest, r.Source
		if r.Ack.Kind != ackNone {
			f.Stream = ackStreams[r.Ack.Kind]
			f.Values = []any{int64(r.Ack.Root), int64(r.Ack.Xor), int64(r.Ack.Spout), r.Ack.Failed}
			continue
		}
		f.Stream, f.ID, f.Values = r.Stream, r.ID, r.Values
		for _, root := range r.Roots {
			f.Anchors = append(f.Anchors, tuple.Anchor{Root: root, Edge: r.ID})
		}
	}
	return tuple.AppendBatch(dst, frames)
}

// DecodeBatch decodes what AppendBatch encoded; a corrupt batch is an error,
// never a panic, and delivers nothing.
func DecodeBatch(src []byte) ([]Remote, error) {
	frames, err := tuple.DecodeBatch(src, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Remote, 0, len(frames))
	for _, f := range frames {
		r := Remote{Dest: f.Dest, Source: f.Source}
		if kind := ackKind(f.Stream); kind != ackNone {
			m, err := decodeAck(kind, f.Values)
			if err != nil {
				return nil, err
			}
			r.Ack = m
			out = append(out, r)
			continue
		}
		r.Stream, r.ID, r.Values = f.Stream, f.ID, Values(f.Values)
		for _, a := range f.Anchors {
			r.Roots = append(r.Roots, a.Root)
		}
		out = append(out, r)
	}
	return out, nil
}

func ackKind(stream string) ackMsgKind {
	for k, s := range ackStreams {
		if s != "" && s == stream {
			return ackMsgKind(k)
		}
	}
	return ackNone
}

func decodeAck(kind ackMsgKind, v []any) (ackMsg, error) {
	if len(v) != 4 {
		return ackMsg{}, fmt.Errorf("task: %s message with %d values, want 4", ackStreams[kind], len(v))
	}
	root, ok1 := v[0].(int64)
	xor, ok2 := v[1].(int64)
	spout, ok3 := v[2].(int64)
	failed, ok4 := v[3].(bool)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return ackMsg{}, fmt.Errorf("task: %s message with values of the wrong types", ackStreams[kind])
	}
	return ackMsg{Kind: kind, Root: uint64(root), Xor: uint64(xor), Spout: core.TaskID(spout), Failed: failed}, nil
}
