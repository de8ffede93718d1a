package tuple

// Batch sharing limits. The frames of one DecodeBatch call share what they
// would otherwise allocate one by one: the stream names, which a batch repeats
// (data and a few acking streams), and the backing arrays of new frames'
// Values and Anchors, carved from chunks. A retained frame keeps its chunk
// alive, so chunks are bounded.
const (
	batchStreamsMax      = 8
	batchValuesChunkMax  = 1024 // values per chunk: 16 KiB
	batchAnchorsChunkMax = 1024 // anchors per chunk: 16 KiB
)

// batchShare is the state the frames of one DecodeBatch call share. It lives
// for that call only; the zero value is ready.
type batchShare struct {
	streams    [batchStreamsMax]string
	streamsLen int
	values     []any    // the rest of the current values chunk
	anchors    []Anchor // the rest of the current anchors chunk
	framesLeft int      // frames not yet decoded, the current one included
}

// stream returns b as a string: a name this batch has already produced, or
// else one from in (interned when in is not nil), remembered for the frames
// that follow.
func (s *batchShare) stream(in *Decoder, b []byte, prev string) string {
	if string(b) == prev {
		return prev
	}
	for _, name := range s.streams[:s.streamsLen] {
		if string(b) == name { // the conversion does not allocate
			return name
		}
	}
	name := in.stream(b, prev)
	if s.streamsLen < batchStreamsMax {
		s.streams[s.streamsLen] = name
		s.streamsLen++
	}
	return name
}

// newValues returns a zeroed slice of n values whose capacity ends at its
// length, so that appending to it reallocates rather than overwriting the
// next frame's values.
func (s *batchShare) newValues(n int) []any {
	if len(s.values) < n {
		s.values = make([]any, batchChunkLen(n, s.framesLeft, batchValuesChunkMax))
	}
	vals := s.values[:n:n]
	s.values = s.values[n:]
	return vals
}

// newAnchors returns an empty slice with room for n anchors, its capacity
// ending there as newValues's does.
func (s *batchShare) newAnchors(n int) []Anchor {
	if len(s.anchors) < n {
		s.anchors = make([]Anchor, batchChunkLen(n, s.framesLeft, batchAnchorsChunkMax))
	}
	anchors := s.anchors[:0:n]
	s.anchors = s.anchors[n:]
	return anchors
}

// batchChunkLen sizes a chunk for the frames left if each needs n items, as
// the current one does, within chunkMax; never less than n. n is at most the
// bytes left in the batch (counts are checked against them), so a chunk is
// never larger than the input justifies by more than chunkMax.
func batchChunkLen(n, framesLeft, chunkMax int) int {
	size := min(n*max(framesLeft, 1), chunkMax)
	return max(size, n)
}
