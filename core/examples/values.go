package examples

import "github.com/squall/squall/core/task"

// valuesChunkLen is how many values an emitter carves its small Values
// from at once: 256 values, 4 KiB.
const valuesChunkLen = 256

// valueChunks carves the Values of new tuples from chunks, one allocation
// per chunk instead of one per emit. Emitted Values must stay as they are
// (the collector keeps them), so each carved slice is used once; its
// capacity ends at its length, so an append copies rather than overwrite
// the next. A tuple kept downstream pins its chunk, so chunks are small.
type valueChunks struct{ buf []any }

// values returns a new Values holding vs.
func (c *valueChunks) values(vs ...any) task.Values {
	n := len(vs)
	if len(c.buf) < n {
		c.buf = make([]any, max(n, valuesChunkLen))
	}
	v := c.buf[:n:n]
	c.buf = c.buf[n:]
	copy(v, vs)
	return v
}
