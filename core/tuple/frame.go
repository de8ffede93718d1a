package tuple

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/squall/squall/core"
)

// Anchor ties a tuple to one tuple tree, as an entry of Storm's MessageId: Root
// is the id of the spout tuple at the tree's root (it picks the acker), Edge
// the id this tuple XORs into that tree's ack value.
type Anchor struct{ Root, Edge uint64 }

// Frame is a tuple crossing workers: where it goes, where it comes from, and
// what it carries.
type Frame struct {
	Dest    core.TaskID // receiving task
	Source  core.TaskID // emitting task
	Stream  string      // at most StreamBytesMax bytes
	ID      uint64      // the tuple's id
	Anchors []Anchor    // at most AnchorsMax
	Values  []any
}

// AppendFrame appends the encoding of f to dst. On error it returns dst
// unchanged in length.
func AppendFrame(dst []byte, f *Frame) ([]byte, error) {
	if len(f.Stream) > StreamBytesMax {
		return dst, fmt.Errorf("%w: stream name of %d bytes (max %d)", ErrTooLarge, len(f.Stream), StreamBytesMax)
	}
	if len(f.Anchors) > AnchorsMax {
		return dst, fmt.Errorf("%w: %d anchors (max %d)", ErrTooLarge, len(f.Anchors), AnchorsMax)
	}
	start := len(dst)
	dst = appendTaskID(dst, f.Dest)
	dst = appendTaskID(dst, f.Source)
	dst = append(appendUvarint(dst, uint64(len(f.Stream))), f.Stream...)
	dst = binary.LittleEndian.AppendUint64(dst, f.ID)
	dst = appendUvarint(dst, uint64(len(f.Anchors)))
	for _, a := range f.Anchors {
		dst = binary.LittleEndian.AppendUint64(dst, a.Root)
		dst = binary.LittleEndian.AppendUint64(dst, a.Edge)
	}
	dst, err := AppendValues(dst, f.Values)
	if err != nil {
		return dst[:start], err
	}
	return dst, nil
}

// DecodeFrame decodes one frame from the start of src into f and returns the
// bytes consumed. It reuses f's Anchors and Values backing arrays, and keeps
// f.Stream when the name is unchanged. On error f's contents are unspecified.
func DecodeFrame(src []byte, f *Frame) (n int, err error) {
	return (*Decoder)(nil).DecodeFrame(src, f)
}

// DecodeFrame is the package function DecodeFrame using d's string table and chunks.
func (d *Decoder) DecodeFrame(src []byte, f *Frame) (n int, err error) {
	r := reader{src: src, in: d}
	if err := r.frame(f); err != nil {
		return 0, err
	}
	return r.off, nil
}

func (r *reader) frame(f *Frame) error {
	var err error
	if f.Dest, err = r.taskID("dest task"); err != nil {
		return err
	}
	if f.Source, err = r.taskID("source task"); err != nil {
		return err
	}
	stream, err := r.bytes("stream length", StreamBytesMax)
	if err != nil {
		return err
	}
	if r.batch != nil {
		f.Stream = r.batch.stream(r.in, stream, f.Stream)
	} else {
		f.Stream = r.in.stream(stream, f.Stream)
	}
	if f.ID, err = r.fixed64("tuple id"); err != nil {
		return err
	}
	n, err := r.count("anchor count", AnchorsMax, 16)
	if err != nil {
		return err
	}
	f.Anchors = f.Anchors[:0]
	switch {
	case cap(f.Anchors) >= n:
	case r.batch != nil:
		f.Anchors = r.batch.newAnchors(n)
	default:
		f.Anchors = make([]Anchor, 0, n)
	}
	for range n { // count checked that 16 bytes per anchor are there
		root := binary.LittleEndian.Uint64(r.src[r.off:])
		edge := binary.LittleEndian.Uint64(r.src[r.off+8:])
		f.Anchors = append(f.Anchors, Anchor{Root: root, Edge: edge})
		r.off += 16
	}
	vals, err := r.values(f.Values)
	if err != nil {
		return err // f.Values keeps its array for the next decode
	}
	f.Values = vals
	return nil
}

// appendTaskID appends a task id as a zigzag varint, ids -64..63 (a
// small topology's) in one byte without the general loop.
func appendTaskID(dst []byte, id core.TaskID) []byte {
	if id >= -64 && id < 64 {
		return append(dst, byte(uint32(id<<1)^uint32(id>>31)))
	}
	return binary.AppendVarint(dst, int64(id))
}

func (r *reader) taskID(what string) (core.TaskID, error) {
	if r.off < len(r.src) && r.src[r.off] < 0x80 { // one byte: -64..63
		u := uint32(r.src[r.off])
		r.off++
		return core.TaskID(int32(u>>1) ^ -int32(u&1)), nil
	}
	at := r.off
	x, err := r.varint(what)
	if err != nil {
		return 0, err
	}
	if x < math.MinInt32 || x > math.MaxInt32 {
		return 0, r.fail(at, ErrCorrupt, what+": out of int32 range")
	}
	return core.TaskID(x), nil
}

// AppendBatch appends a batch of frames to dst: the frame count, then each
// frame behind its length. On error it returns dst unchanged in length.
func AppendBatch(dst []byte, frames []Frame) ([]byte, error) {
	if len(frames) > FramesMax {
		return dst, fmt.Errorf("%w: %d frames (max %d)", ErrTooLarge, len(frames), FramesMax)
	}
	start := len(dst)
	dst = slices.Grow(dst, batchBytesGuess(frames))
	dst = appendUvarint(dst, uint64(len(frames)))
	for i := range frames {
		var err error
		if dst, err = appendBatchFrame(dst, &frames[i]); err != nil {
			return dst[:start], fmt.Errorf("frame %d: %w", i, err)
		}
		if len(dst)-start > BatchBytesMax {
			return dst[:start], fmt.Errorf("%w: batch over %d bytes", ErrTooLarge, BatchBytesMax)
		}
	}
	return dst, nil
}

// BatchWriter appends a batch frame by frame, for a sender that has no
// []Frame to hand to AppendBatch (it would have to build one): Start with
// the frame count, then exactly that many Add calls. The bytes are those
// AppendBatch would append. The zero BatchWriter is ready.
type BatchWriter struct {
	start, left int
}

// Start appends the header of a batch of n frames to dst.
func (w *BatchWriter) Start(dst []byte, n int) ([]byte, error) {
	if n < 0 || n > FramesMax {
		return dst, fmt.Errorf("%w: %d frames (max %d)", ErrTooLarge, n, FramesMax)
	}
	w.start, w.left = len(dst), n
	return appendUvarint(dst, uint64(n)), nil
}

// Add appends the next frame. On error dst comes back as it was before
// Start: the batch is abandoned.
func (w *BatchWriter) Add(dst []byte, f *Frame) ([]byte, error) {
	core.Assert(w.left > 0, "tuple: BatchWriter.Add past the count given to Start")
	w.left--
	dst, err := appendBatchFrame(dst, f)
	if err != nil {
		return dst[:w.start], err
	}
	if len(dst)-w.start > BatchBytesMax {
		return dst[:w.start], fmt.Errorf("%w: batch over %d bytes", ErrTooLarge, BatchBytesMax)
	}
	return dst, nil
}

// batchBytesGuess estimates a batch's encoding from its frames' header fields
// and a typical value, so that AppendBatch grows dst once rather than doubling
// it frame after frame; a guess too small only costs the doubling back. It is
// at most BatchBytesMax, so that frames AppendBatch will refuse cannot make it
// reserve more than a batch may hold.
func batchBytesGuess(frames []Frame) int {
	const (
		frameFixedBytes = 1 + 2*varint32BytesMax + 1 + 8 + 1 + 1 // length, tasks, stream length, id, counts
		valueBytesGuess = 10                                     // a tag and a varint
	)
	n := binary.MaxVarintLen64
	for i := range frames {
		f := &frames[i]
		n += frameFixedBytes + len(f.Stream) + 16*len(f.Anchors) + valueBytesGuess*len(f.Values)
		if n > BatchBytesMax {
			return BatchBytesMax
		}
	}
	return n
}

// appendBatchFrame appends f behind its length. It reserves one byte for the
// length, enough for frames under 128 bytes, and moves a longer frame up to
// make room, rather than encoding every frame twice to learn its size.
func appendBatchFrame(dst []byte, f *Frame) ([]byte, error) {
	at := len(dst)
	dst, err := AppendFrame(append(dst, 0), f)
	if err != nil {
		return dst[:at], err
	}
	size := len(dst) - at - 1
	if size < 0x80 {
		dst[at] = byte(size)
		return dst, nil
	}
	var prefix [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(prefix[:], uint64(size))
	dst = append(dst, prefix[1:k]...) // grow by k-1; the bytes are overwritten
	copy(dst[at+k:], dst[at+1:at+1+size])
	copy(dst[at:], prefix[:k])
	return dst, nil
}

// DecodeBatch decodes a whole batch, which must fill src exactly, into
// into's backing array and returns the frames. Frames in into's capacity are
// reused as DecodeFrame reuses f. A frame that does not fill its length
// exactly, or runs past it, is ErrCorrupt.
//
// What a frame needs and cannot reuse, the frames of one call share: equal
// stream names are one string, and new Values and Anchors arrays are carved
// from chunks of at most 16 KiB, one allocation per chunk instead of one per
// frame. Each carved slice's capacity ends at its length, so appending to one
// never overwrites another; a retained frame keeps its chunk alive.
func DecodeBatch(src []byte, into []Frame) ([]Frame, error) {
	return (*Decoder)(nil).DecodeBatch(src, into)
}

// DecodeBatch is the package function DecodeBatch using d's string table and chunks.
func (d *Decoder) DecodeBatch(src []byte, into []Frame) ([]Frame, error) {
	if len(src) > BatchBytesMax {
		return into[:0], &DecodeError{Offset: BatchBytesMax, Err: ErrTooLarge, What: "batch"}
	}
	var share batchShare
	r := reader{src: src, in: d, batch: &share}
	n, err := r.count("frame count", FramesMax, 2) // a length byte and a frame
	if err != nil {
		return into[:0], err
	}
	frames := into[:0]
	if cap(frames) < n {
		// One allocation for the whole batch rather than appends that double.
		// The frames in into's capacity move along, to be reused as before.
		frames = append(make([]Frame, 0, n), into[:cap(into)]...)[:0]
	}
	for i := range n {
		share.framesLeft = n - i
		if err := r.batchFrame(&frames, i); err != nil {
			return into[:0], err
		}
	}
	if r.off != len(src) {
		return into[:0], r.fail(r.off, ErrCorrupt, "bytes after the last frame")
	}
	return frames, nil
}

// batchFrame decodes frame i of a batch into (*frames)[i], growing *frames.
func (r *reader) batchFrame(frames *[]Frame, i int) error {
	size, err := r.count("frame length", FrameBytesMax, 1)
	if err != nil {
		return err
	}
	if len(*frames) < cap(*frames) {
		*frames = (*frames)[:i+1]
	} else {
		*frames = append(*frames, Frame{})
	}
	end := r.off + size
	fr := reader{src: r.src[:end], off: r.off, in: r.in, batch: r.batch}
	if err := fr.frame(&(*frames)[i]); err != nil {
		var de *DecodeError
		if errors.As(err, &de) && de.Err == ErrTruncated {
			de.Err, de.What = ErrCorrupt, de.What+": frame runs past its length"
		}
		return err
	}
	if fr.off != end {
		return fr.fail(fr.off, ErrCorrupt, "frame shorter than its length")
	}
	r.off = end
	return nil
}
