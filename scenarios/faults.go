package scenarios

import (
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/nimbus"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/sim"
)

// at is a virtual instant from the start of a run.
func at(d time.Duration) core.Time { return core.Time(0).Add(d) }

// ready requires the submitted topology to be running before a fault.
func (c *cluster) ready(sub *clientCall) bool {
	if !sub.done || !sub.reply.OK {
		c.violate("submit did not succeed before the fault: %+v", sub.reply)
		return false
	}
	if ok, why := c.converged(); !ok {
		c.violate("not running before the fault: %s", why)
		return false
	}
	return true
}

// crashHost crashes a supervisor and every worker process on its host.
func (c *cluster) crashHost(sup *sim.Node) {
	for _, n := range c.w.Workers() {
		if n.Spec().Supervisor == core.SupervisorID(sup.ID()) {
			c.w.Crash(n)
		}
	}
	c.w.Crash(sup)
}

// someWorker returns a live worker process, deterministically chosen.
func (c *cluster) someWorker() *sim.Node {
	ws := c.w.Workers()
	if len(ws) == 0 {
		return nil
	}
	return ws[c.w.Rand().IntN(len(ws))]
}

// epochs snapshots each topology's assignment epoch.
func (c *cluster) epochs() map[core.TopologyID]uint64 {
	out := map[core.TopologyID]uint64{}
	for _, a := range c.assignments() {
		out[a.Topology] = a.Epoch
	}
	return out
}

// duplicateTasks reports a task held by two live worker processes.
func (c *cluster) checkNoDuplicates() {
	held := map[string]string{}
	for _, n := range c.w.Workers() {
		wm, ok := n.Machine().(interface{ Tasks() []core.TaskID })
		if !ok {
			continue
		}
		for _, t := range wm.Tasks() {
			key := string(n.Spec().Topology) + "/" + itoa(int(t))
			if other, dup := held[key]; dup {
				c.violate("task %s runs in both %s and %s", key, other, n.ID())
			}
			held[key] = string(n.ID())
		}
	}
}

// watchDuplicates checks for duplicate tasks at every poll until end.
func (c *cluster) watchDuplicates(from, end core.Time) {
	c.waitFor(from, "duplicates", func() bool {
		c.checkNoDuplicates()
		return c.w.Now() >= end
	}, func() {})
}

func (c *cluster) nimbusMachine(n *sim.Node) *nimbus.Machine {
	m, _ := n.Machine().(*nimbus.Machine)
	return m
}

// idOf is the id of the topology named name, as its record in ZooKeeper
// says (nimbus names topologies name-N-secs, as Storm's): name itself when
// it is an id, or when no record has that name.
func (c *cluster) idOf(name string) core.TopologyID {
	zk := c.w.ZK()
	if _, _, ok := zk.Lookup(c.layout.Topology(core.TopologyID(name))); ok {
		return core.TopologyID(name)
	}
	for _, id := range zk.ChildrenOf(c.layout.Topologies()) {
		data, _, _ := zk.Lookup(c.layout.Topology(core.TopologyID(id)))
		if rec, err := protocol.DecodeTopology(data); err == nil && rec.Name == name {
			return rec.ID
		}
		if protocol.TopologyName(core.TopologyID(id)) == name {
			return core.TopologyID(id) // unreadable: the name is in the id
		}
	}
	return core.TopologyID(name)
}

// record reads a topology's record from ZooKeeper, by its name or id.
func (c *cluster) record(name string) (protocol.TopologyRecord, bool) {
	data, _, ok := c.w.ZK().Lookup(c.layout.Topology(c.idOf(name)))
	if !ok {
		return protocol.TopologyRecord{}, false
	}
	rec, err := protocol.DecodeTopology(data)
	return rec, err == nil
}
