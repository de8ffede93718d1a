package scenarios

import (
	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// epochsOf is each topology's epoch in a snapshot of assignments.
func epochsOf(as []protocol.Assignment) map[core.TopologyID]uint64 {
	out := map[core.TopologyID]uint64{}
	for _, a := range as {
		out[a.Topology] = a.Epoch
	}
	return out
}

// checkEpochs requires assignments unchanged since before.
func (c *cluster) checkEpochs(before map[core.TopologyID]uint64, cause string) {
	after := c.epochs()
	for id, e := range before {
		if after[id] != e {
			c.violate("%s moved tasks of %s (epoch %d -> %d)", cause, id, e, after[id])
		}
	}
}
