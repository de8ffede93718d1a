package examples

import "testing"

// Carved Values are distinct and capped: appending to one never changes
// the next.
func TestValueChunks(t *testing.T) {
	var c valueChunks
	var all [][]any
	for i := range 3 * valuesChunkLen {
		v := c.values(int64(i), "x")
		if cap(v) != 2 {
			t.Fatalf("got cap %d, want 2", cap(v))
		}
		all = append(all, v)
	}
	_ = append(all[0], "overflow")
	for i, v := range all {
		if v[0] != int64(i) || v[1] != "x" {
			t.Fatalf("values %d: got %v, want [%d x]", i, v, i)
		}
	}
}
