package tuple

import (
	"errors"
	"fmt"
)

// Limits. Each bounds what one peer can make another allocate or loop over;
// the encoder enforces them too, so that it never writes what the decoder
// would refuse.
const (
	// ValuesMax bounds the values of one tuple and the elements of one list.
	ValuesMax = 4096
	// ListDepthMax bounds list nesting: a tuple's own values are at depth 0,
	// the elements of a list among them at depth 1. It also stops the encoder
	// on a list that contains itself.
	ListDepthMax = 8
	// BytesMax bounds one string or []byte value.
	BytesMax = 1 << 20
	// ValuesBytesMax bounds the encoding of one tuple's values.
	ValuesBytesMax = 4 << 20
	// StreamBytesMax bounds a frame's stream name; it equals
	// topology.NameBytesMax, which bounds declared stream names.
	StreamBytesMax = 128
	// AnchorsMax bounds a frame's anchors.
	AnchorsMax = 1024
	// FrameBytesMax bounds one encoded frame: the largest header plus
	// ValuesBytesMax.
	FrameBytesMax = frameHeaderBytesMax + ValuesBytesMax
	// FramesMax bounds the frames of one batch.
	FramesMax = 1024
	// BatchBytesMax bounds one encoded batch. Senders flush by bytes long
	// before this (64 KiB writes are enough to reach line rate); the bound only
	// stops a hostile length prefix.
	BatchBytesMax = 16 << 20
)

// frameHeaderBytesMax is the largest frame header: two zigzag varint task ids,
// the stream's length and bytes, the id, the anchor count and the anchors.
const frameHeaderBytesMax = 2*varint32BytesMax + 2 + StreamBytesMax + 8 + 2 + AnchorsMax*16

const varint32BytesMax = 5

// Sentinel errors. Encoding fails with ErrUnsupported or ErrTooLarge; decoding
// fails with a *DecodeError that matches ErrTruncated, ErrCorrupt or
// ErrTooLarge.
var (
	ErrUnsupported = errors.New("tuple: unsupported type")
	ErrTooLarge    = errors.New("tuple: over a limit")
	ErrTruncated   = errors.New("tuple: truncated input")
	ErrCorrupt     = errors.New("tuple: corrupt input")
)

// DecodeError says where and why decoding stopped.
type DecodeError struct {
	Offset int    // of the offending byte, from the start of the decoded input
	Err    error  // ErrTruncated, ErrCorrupt or ErrTooLarge
	What   string // what was being read, e.g. "string length"
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%v at offset %d: %s", e.Err, e.Offset, e.What)
}

func (e *DecodeError) Unwrap() error { return e.Err }
