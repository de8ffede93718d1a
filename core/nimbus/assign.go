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
		for _, t := range m.topos {
			t.reason = err.Error()
		}
		return
	}
	for _, tp := range plan.Topologies {
		m.applyPlan(m.topos[tp.ID], tp)
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
	t.reason = tp.Reason
	workers := assignmentWorkers(tp)
	if m.cfg.TestOnly.DropTask && len(workers) > 0 {
		last := &workers[len(workers)-1]
		last.Tasks = last.Tasks[: len(last.Tasks)-1 : len(last.Tasks)-1]
	}
	if t.assign == nil && len(workers) == 0 {
		return
	}
	if t.assign != nil && slices.EqualFunc(t.assign.Workers, workers, sameWorker) {
		t.rebalance = false
		return
	}
	if t.writing || m.slotsHeld(t.rec.ID, workers) {
		m.dirty = true // after the write in flight, or after the holder moves
		return
	}
	a := protocol.Assignment{Topology: t.rec.ID, Epoch: 1, Workers: workers}
	var req core.Request = core.Create{Path: m.cfg.Layout.Assignment(t.rec.ID),
		Data: protocol.Encode(a), Mode: core.Persistent}
	if t.assign != nil {
		a.Epoch = t.assign.Epoch + 1
		req = core.SetData{Path: m.cfg.Layout.Assignment(t.rec.ID), Data: protocol.Encode(a), Version: t.assignVer}
	}
	if m.fenced(op{kind: opAssignWrite, id: string(t.rec.ID), assign: &a}, req) {
		t.writing, t.rebalance = true, false
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
		if t.rec.ID != "" || t.corrupt {
			continue
		}
		delete(m.topos, id)
		m.fenced(op{kind: opEnsure}, core.Delete{Path: m.cfg.Layout.Assignment(id), Version: core.AnyVersion})
	}
}
