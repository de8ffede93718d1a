// Package tuple is the compact binary encoding of tuples: the values a spout
// or bolt emits, the frame that carries a tuple to a task in another worker,
// and the batch that carries many frames in one write. It also computes the
// stable hash that fields grouping uses to pick a task.
//
//	emit ──► Hash(values, key fields) ──► task ──► AppendFrame ─┐
//	                                                            ├─ AppendBatch ─► socket
//	socket ─► DecodeBatch ─► Frame{Dest, Source, Stream, ID, Anchors, Values} ─► task
//
// Everything is pure: encoders append to a caller's buffer, decoders fill a
// caller's slices, so a connection that reuses its buffers allocates only for
// the decoded values themselves: each int64 (beyond 0..255), float64, string
// and []byte is boxed in its interface, and strings and []byte are copied. A
// Decoder removes the string's allocations for repeated short strings by
// interning them, the []byte copy's by carving short ones from shared
// chunks, and the boxes of int64 and float64 values that recur by keeping
// the last box seen per hash slot. Decoding never panics: bad input yields a *DecodeError with the
// offset and one of ErrTruncated, ErrCorrupt or ErrTooLarge, and every count
// and length is checked against its limit and against the bytes left before
// anything is allocated.
//
// # Wire format
//
// All integers are varints (encoding/binary's Uvarint, or zigzag Varint where
// signed) unless fixed; fixed integers are little-endian.
//
//	values     uvarint count ≤ ValuesMax, then count × value
//	value      tag byte, then its payload:
//
//	  tag  type     payload
//	  0    nil      none
//	  1    false    none
//	  2    true     none
//	  3    int64    zigzag varint (int and int32 encode here too)
//	  4    float64  8 bytes, IEEE 754 bits, little-endian
//	  5    string   uvarint length ≤ BytesMax, then the bytes
//	  6    []byte   uvarint length ≤ BytesMax, then the bytes
//	  7    []any    uvarint count ≤ ValuesMax, then count × value
//	                (nested at most ListDepthMax deep)
//
//	frame      field     encoding
//	           Dest      zigzag varint (int32)
//	           Source    zigzag varint (int32)
//	           Stream    uvarint length ≤ StreamBytesMax, then the bytes
//	           ID        8 bytes
//	           Anchors   uvarint count ≤ AnchorsMax, then count × (Root 8 bytes, Edge 8 bytes)
//	           Values    values
//
//	batch      uvarint count ≤ FramesMax, then count × (uvarint length, frame of exactly that length)
//
// Canonical converts values to the types decoding yields (ints of every
// width to int64, float32 to float64) and checks the limits, so that a task
// handing a tuple over in its own worker, unencoded, gives the receiver what
// decoding would.
//
// The encoding of a tuple's values is canonical: equal values (ints of any
// width counted equal) encode to equal bytes. Hash relies on it: it is
// defined as a function of those bytes, so it is the same on every machine.
//
// The tags are a compatibility contract: never renumber one, only add. A
// batch has no version byte; peers agree on the format when they connect.
package tuple
