package nimbus

import (
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/scheduler"
)

// reschedule plans every topology and writes the assignments that changed,
// each with epoch+1, through fenced writes.
func (m *Machine) reschedule() {
	m.dirty = false
	plan, err := m.plan(m.input())
	if err != nil {
		// The input comes from records that decoded and validated; a
		// refusal means registrations disagree (say, a supervisor listing a
		// port twice). Keep what runs and say why in every status.
		m.stats.Corrupt++
		for _, id := range m.topologyIDs() {
			t := m.topos[id]
			if t.corrupt {
				continue // its reason is its record's
			}
			m.logReason(t, err.Error())
			t.reason = err.Error()
		}
		return
	}
	for _, tp := range plan.Topologies {
		m.applyPlan(m.topos[tp.ID], tp)
	}
	m.markKilled()
}

// markKilled writes KILLED into the assignments of topologies killed with
// a wait. The plan leaves them out (their workers run on until the wait
// ends), so their assignment is rewritten here, workers unchanged: that is
// how the workers learn to deactivate their spouts for the wait.
func (m *Machine) markKilled() {
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if t.rec.Status != protocol.StatusKilled || t.assign == nil || t.assign.Status == protocol.StatusKilled {
			continue
		}
		if t.rec.Pending != nil && m.now >= t.deadline {
			continue // no wait left: the removal, due now, stops the workers
		}
		if t.writing || len(t.doubt) > 0 {
			m.dirty = true // after the write in flight, or once the doubt is settled
			continue
		}
		m.writeAssignment(t, scheduler.TopologyPlan{ID: t.rec.ID}, t.assign.Workers, false)
	}
}

// plan runs the scheduler; the PlanAlone breakage runs it per topology.
func (m *Machine) plan(in scheduler.Input) (scheduler.Plan, error) {
	if !m.cfg.TestOnly.PlanAlone {
		return scheduler.Schedule(in)
	}
	var out scheduler.Plan
	for _, t := range in.Topologies {
		one := in
		one.Topologies = []scheduler.Topology{t}
		p, err := scheduler.Schedule(one)
		if err != nil {
			return out, err
		}
		out.Topologies = append(out.Topologies, p.Topologies...)
	}
	return out, nil
}

func (m *Machine) applyPlan(t *topo, tp scheduler.TopologyPlan) {
	m.logReason(t, tp.Reason)
	t.reason = tp.Reason
	workers := assignmentWorkers(tp)
	if m.cfg.TestOnly.DropTask && len(workers) > 0 {
		last := &workers[len(workers)-1]
		last.Tasks = last.Tasks[: len(last.Tasks)-1 : len(last.Tasks)-1]
	}
	if t.assign == nil && len(workers) == 0 {
		return
	}
	// A rebalance is done only when a plan of the rebalanced spec placed
	// the topology whole: a plan made while its record write is in flight
	// is of the old spec (a rebalance with no wait is planned in the very
	// pass that writes it), and an infeasible one keeps the old placement.
	// Clearing it sooner would leave the grown spec to a sticky plan, which
	// keeps every task where it is: the spec grows, the assignment not.
	done := !t.writing && tp.Feasible()
	if t.assign != nil && slices.EqualFunc(t.assign.Workers, workers, sameWorker) {
		t.rebalance = t.rebalance && !done
		if t.assign.Status == t.rec.Status {
			return
		}
	}
	if t.writing || m.slotsHeld(t.rec.ID, workers) {
		m.dirty = true // after the write in flight, or after the holder moves
		return
	}
	m.writeAssignment(t, tp, workers, done)
}

// writeAssignment writes t's assignment of workers, with the topology's
// status (so that workers learn it), at epoch 1 or the next epoch. done
// says whether the plan tp finishes a rebalance.
func (m *Machine) writeAssignment(t *topo, tp scheduler.TopologyPlan, workers []protocol.WorkerAssignment, done bool) {
	a := protocol.Assignment{Topology: t.rec.ID, Epoch: 1, Workers: workers, Status: t.rec.Status}
	var req core.Request = core.Create{Path: m.cfg.Layout.Assignment(t.rec.ID),
		Data: protocol.Encode(a), Mode: core.Persistent}
	if t.assign != nil {
		a.Epoch = t.assign.Epoch + 1
		req = core.SetData{Path: m.cfg.Layout.Assignment(t.rec.ID), Data: protocol.Encode(a), Version: t.assignVer}
	}
	if m.fenced(op{kind: opAssignWrite, id: string(t.rec.ID), assign: &a}, req) {
		m.logAssign(tp, a.Epoch, len(workers), t.rebalance)
		t.writing, t.rebalance = true, t.rebalance && !done
	}
}

// slotsHeld reports whether another topology's assignment, as written or
// as being written, holds a slot of workers. The plan moves that topology
// away, but the plan is written one topology at a time: while its move has
// not applied (its record write is in flight, or its own write failed),
// giving its slot to another would assign the slot twice.
func (m *Machine) slotsHeld(id core.TopologyID, workers []protocol.WorkerAssignment) bool {
	if m.cfg.TestOnly.PlanAlone {
		return false // the broken build trusts its plan outright
	}
	want := make(map[slot]bool, len(workers))
	for _, w := range workers {
		want[slot{w.Supervisor, w.Port}] = true
	}
	held := func(ws []protocol.WorkerAssignment) bool {
		for _, w := range ws {
			if want[slot{w.Supervisor, w.Port}] {
				return true
			}
		}
		return false
	}
	for other, t := range m.topos {
		if other != id && (t.assign != nil && held(t.assign.Workers) || held(t.doubt)) {
			return true
		}
	}
	for _, o := range m.ops {
		if o.kind == opAssignWrite && o.id != string(id) && held(o.assign.Workers) {
			return true
		}
	}
	return false
}

func assignmentWorkers(tp scheduler.TopologyPlan) []protocol.WorkerAssignment {
	out := make([]protocol.WorkerAssignment, 0, len(tp.Workers))
	for _, w := range tp.Workers {
		out = append(out, protocol.WorkerAssignment{Supervisor: w.Slot.Supervisor, Host: w.Host,
			Port: w.Slot.Port, Tasks: w.Tasks, Resources: protocol.Resources(w.Demand)})
	}
	protocol.SortWorkers(out)
	return out
}

func sameWorker(a, b protocol.WorkerAssignment) bool {
	return a.Supervisor == b.Supervisor && a.Port == b.Port && slices.Equal(a.Tasks, b.Tasks)
}

func (m *Machine) onAssignWrite(o op, r core.Reply) {
	t := m.topos[core.TopologyID(o.id)]
	if t == nil {
		return // removed meanwhile
	}
	t.writing = false
	if r.Code != core.CodeOK {
		if m.writeFailed(o, r) {
			return
		}
		t.doubt = append(t.doubt, o.assign.Workers...)
		// Our view of the assignment may be stale: read it again.
		m.issue(op{kind: opAssignGet, id: o.id}, core.GetData{Path: m.cfg.Layout.Assignment(t.rec.ID)})
		m.dirty = true
		return
	}
	m.stats.AssignmentWrites++
	version := int32(0) // a create
	if t.assign != nil {
		version = r.Multi[1].Stat.Version
	}
	kept := map[slot]core.Time{}
	for _, w := range o.assign.Workers {
		s := slot{w.Supervisor, w.Port}
		at, ok := t.assignedAt[s]
		if !ok {
			at = m.now // a new slot starts its launch grace now
		}
		kept[s] = at
	}
	m.dropMetrics(t, kept)
	t.assign, t.assignVer, t.assignedAt, t.doubt = o.assign, version, kept, nil
}

// dropOrphans removes assignments whose topology record is gone (a kill
// interrupted between its two deletes cannot happen: they share a multi; but
// an operator may delete a record by hand).
func (m *Machine) dropOrphans() {
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if t.rec.ID != "" {
			continue // a corrupt record has its id too: its assignment stays
		}
		delete(m.topos, id)
		m.fenced(op{kind: opEnsure}, core.Delete{Path: m.cfg.Layout.Assignment(id), Version: core.AnyVersion})
	}
}
