package scenarios

import (
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// Phases of the control-plane scenarios, in virtual time.
const (
	settleTime    = 20 * time.Second // a submitted topology runs well before this
	livenessBound = 40 * time.Second // after the last fault, convergence within this
)

// checkUnmoved requires every assignment to be exactly as before: a nimbus
// failover must not move a healthy task (STORM-3984).
func (c *cluster) checkUnmoved(before []protocol.Assignment) {
	after := map[core.TopologyID]protocol.Assignment{}
	for _, a := range c.assignments() {
		after[a.Topology] = a
	}
	for _, b := range before {
		a, ok := after[b.Topology]
		if !ok || a.Epoch != b.Epoch {
			c.violate("failover changed the assignment of %s (epoch %d -> %d)", b.Topology, b.Epoch, a.Epoch)
		}
	}
}
