package nimbus

import (
	"fmt"
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/scheduler"
	"github.com/squall/squall/core/topology"
)

// fitsSomeSupervisor refuses a topology one of whose tasks no single live
// supervisor could ever hold.
func (m *Machine) fitsSomeSupervisor(spec *topology.Topology) error {
	if len(m.supervisors) == 0 {
		return nil // nothing to judge by yet; the scheduler reports it
	}
	for _, task := range topology.Tasks(spec) {
		fits := false
		for _, s := range m.supervisors {
			if task.Resources.Fits(topology.Resources(s.Capacity)) {
				fits = true
				break
			}
		}
		if !fits {
			return fmt.Errorf("task %d of %s demands %v, more than any supervisor has",
				task.ID, task.Component, task.Resources)
		}
	}
	return nil
}

// schedulable reports whether a registration meets the scheduler's contract
// for a supervisor. One that does not would make Schedule refuse the whole
// input, and stop scheduling for every topology: it is corrupt instead.
func schedulable(s protocol.SupervisorInfo) bool {
	c := s.Capacity
	for _, v := range []int64{int64(c.CPU), int64(c.MemoryMB), int64(c.NetworkMbps), int64(c.DiskMB)} {
		if v < 0 || v > scheduler.ResourceMax {
			return false
		}
	}
	if s.Host == "" || len(s.Slots) > scheduler.SlotsPerSupervisorMax {
		return false
	}
	ports := make(map[core.Port]bool, len(s.Slots))
	for _, p := range s.Slots {
		if ports[p] {
			return false
		}
		ports[p] = true
	}
	return true
}

// heldResources sums, per supervisor, what the workers of topologies the
// scheduler does not plan still use: a killed topology's until its wait
// passes and its assignment goes, a corrupt record's until its kill. The
// scheduler frees what it is not told of, so their supervisors' capacity
// shrinks by it (swarm seed 189: a kill's wait overcommitted a supervisor).
func (m *Machine) heldResources() map[core.SupervisorID]scheduler.Resources {
	held := map[core.SupervisorID]scheduler.Resources{}
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if (t.corrupt || t.rec.Status == protocol.StatusKilled) && t.assign != nil {
			for _, w := range t.assign.Workers {
				held[w.Supervisor] = held[w.Supervisor].Add(scheduler.Resources(w.Resources))
			}
		}
	}
	return held
}

// atLeastZero clamps every dimension of r at zero.
func atLeastZero(r scheduler.Resources) scheduler.Resources {
	return scheduler.Resources{CPU: max(r.CPU, 0), MemoryMB: max(r.MemoryMB, 0),
		NetworkMbps: max(r.NetworkMbps, 0), DiskMB: max(r.DiskMB, 0)}
}

// input builds the scheduler's snapshot of the cluster.
func (m *Machine) input() scheduler.Input {
	in := scheduler.Input{Current: map[core.TopologyID]map[core.TaskID]scheduler.Slot{}}
	held := m.heldResources()
	for _, id := range sortedSupervisors(m.supervisors) {
		s := m.supervisors[id]
		capacity := scheduler.Resources(s.Capacity)
		if k := m.cfg.TestOnly.CapacityScale; k > 1 {
			capacity = scheduler.Resources(topology.Resources(capacity).Mul(k))
		}
		capacity = atLeastZero(capacity.Sub(held[s.ID]))
		in.Supervisors = append(in.Supervisors, scheduler.Supervisor{
			ID: s.ID, Host: s.Host, Slots: s.Slots, Capacity: capacity})
	}
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if t.rec.ID == "" || t.spec == nil || t.rec.Status == protocol.StatusKilled {
			continue
		}
		in.Topologies = append(in.Topologies, schedulerTopology(t))
		if t.assign != nil {
			cur := map[core.TaskID]scheduler.Slot{}
			for _, w := range t.assign.Workers {
				for _, task := range w.Tasks {
					cur[task] = scheduler.Slot{Supervisor: w.Supervisor, Port: w.Port}
				}
			}
			in.Current[id] = cur
		}
		if t.rebalance || grown(t) {
			in.Rebalance = append(in.Rebalance, id)
		}
	}
	for _, s := range m.deadSlots() {
		in.DeadSlots = append(in.DeadSlots, scheduler.Slot{Supervisor: s.sup, Port: s.port})
	}
	for _, id := range m.topologyIDs() {
		// A corrupt record's workers, and a killed topology's until its
		// wait passes and its assignment goes, still run: not free.
		t := m.topos[id]
		if (t.corrupt || t.rec.Status == protocol.StatusKilled) && t.assign != nil {
			for _, w := range t.assign.Workers {
				in.DeadSlots = append(in.DeadSlots, scheduler.Slot{Supervisor: w.Supervisor, Port: w.Port})
			}
		}
	}
	return in
}

// rebalanceForecast plans the cluster as it is now with t rebalanced to
// spec, and returns why that plan could not place t whole ("" when it
// could). The rebalance is accepted either way, as Storm does: the cluster
// may change before its wait passes, and until it fits t keeps its current
// placement. The client learns at once what blocks it.
func (m *Machine) rebalanceForecast(t *topo, spec *topology.Topology) string {
	in := m.input()
	grown := *t
	grown.spec = spec
	for i := range in.Topologies {
		if in.Topologies[i].ID == t.rec.ID {
			in.Topologies[i] = schedulerTopology(&grown)
		}
	}
	in.Rebalance = append(in.Rebalance, t.rec.ID)
	plan, err := m.plan(in)
	if err != nil {
		return "" // the cluster's registrations disagree: reschedule reports it
	}
	if tp, ok := plan.Topology(t.rec.ID); ok && !tp.Feasible() {
		return "the rebalance cannot be placed now: " + tp.Reason + "; the topology keeps its placement until it can"
	}
	return ""
}

// grown reports whether t's assignment places every task of its spec on
// fewer workers than the spec asks for. A sticky plan keeps such a
// placement as it is (nothing is lost, nothing to place), so only a
// rebalance's plan spreads it; and only a rebalance grows Workers. The
// rebalance flag that asks for that plan lives in the leader's memory: a
// leader that wrote the grown spec and crashed before its assignment
// leaves this state in ZooKeeper, and the next leader must finish the
// rebalance. A placement that lost tasks is not grown: its lost tasks are
// placed sticky, on new workers, and nothing healthy moves.
func grown(t *topo) bool {
	if t.assign == nil || t.spec == nil {
		return false
	}
	tasks := topology.Tasks(t.spec)
	if len(t.assign.Workers) >= min(t.spec.Config.Workers, len(tasks)) {
		return false
	}
	placed := map[core.TaskID]bool{}
	for _, w := range t.assign.Workers {
		for _, id := range w.Tasks {
			placed[id] = true
		}
	}
	for _, task := range tasks {
		if !placed[task.ID] {
			return false
		}
	}
	return true
}

func schedulerTopology(t *topo) scheduler.Topology {
	spec := t.spec
	st := scheduler.Topology{ID: t.rec.ID, Priority: spec.Config.Priority, Workers: spec.Config.Workers,
		Pins: spec.Config.Pin, Isolated: spec.Config.Isolated}
	for _, task := range topology.Tasks(spec) {
		st.Tasks = append(st.Tasks, scheduler.Task{ID: task.ID, Component: task.Component,
			Demand: scheduler.Resources(task.Resources)})
	}
	for _, c := range spec.Bolts {
		for _, in := range c.Inputs {
			if in.Component != c.Name {
				st.Edges = append(st.Edges, scheduler.Edge{From: in.Component, To: c.Name})
			}
		}
	}
	return st
}

func sortedSupervisors(mp map[core.SupervisorID]protocol.SupervisorInfo) []core.SupervisorID {
	ids := make([]core.SupervisorID, 0, len(mp))
	for id := range mp {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
