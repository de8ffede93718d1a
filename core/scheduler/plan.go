package scheduler

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/squall/squall/core"
)

// Plan is the scheduler's answer: one TopologyPlan per input topology, in
// processing order (isolated first, then by priority and ID).
type Plan struct {
	Topologies []TopologyPlan
}

// Topology returns the plan of topology id.
func (p Plan) Topology(id core.TopologyID) (TopologyPlan, bool) {
	for _, tp := range p.Topologies {
		if tp.ID == id {
			return tp, true
		}
	}
	return TopologyPlan{}, false
}

// TopologyPlan is where one topology's tasks run.
//
// A feasible plan (Reason empty) places every task. An infeasible one keeps
// the healthy part of the current placement, exactly as it was, and lists
// the tasks it could not place; nothing is placed anew, so a topology is
// never half-moved. What it keeps may use more workers than a shrunk Workers
// asks for: the old layout keeps running until the new one fits. Nimbus can
// write Tasks and Workers either way.
type TopologyPlan struct {
	ID       core.TopologyID
	Tasks    map[core.TaskID]Slot // task → slot: every task when feasible, the kept ones otherwise
	Workers  []Worker             // the slots it uses, by (Supervisor, Port)
	Moved    []core.TaskID        // tasks whose slot differs from their current one, ascending
	Unplaced []core.TaskID        // tasks without a slot, ascending; empty when feasible
	Reason   string               // why the topology cannot be placed whole; "" when it can
}

// Feasible reports whether the topology is placed whole, as it asked.
func (tp TopologyPlan) Feasible() bool { return tp.Reason == "" }

// Worker is one worker of a topology: a slot and the tasks it runs.
type Worker struct {
	Slot   Slot
	Host   string
	Tasks  []core.TaskID // ascending
	Demand Resources     // the sum of its tasks' demands
}

// String prints the plan, one line per worker, deterministically.
func (tp TopologyPlan) String() string {
	var b strings.Builder
	status := "feasible"
	if !tp.Feasible() {
		status = "infeasible: " + tp.Reason
	}
	fmt.Fprintf(&b, "topology %s: %d workers, %d moved, %d unplaced, %s\n", tp.ID, len(tp.Workers), len(tp.Moved), len(tp.Unplaced), status)
	for _, w := range tp.Workers {
		fmt.Fprintf(&b, "  %s host %s tasks %v (%v)\n", w.Slot, w.Host, w.Tasks, w.Demand)
	}
	return b.String()
}

// plan reads the placement out of the cluster.
func (c *cluster) plan() Plan {
	out := Plan{Topologies: make([]TopologyPlan, len(c.topos))}
	for t := range c.topos {
		out.Topologies[t] = c.topologyPlan(int32(t))
	}
	return out
}

func (c *cluster) topologyPlan(t int32) TopologyPlan {
	topo := &c.topos[t]
	ws := c.workersOf(t, c.scratch.ws)
	defer c.forget(ws)
	slices.SortFunc(ws, func(a, b int32) int {
		return cmp.Or(cmp.Compare(c.workers[a].sup, c.workers[b].sup), cmp.Compare(c.workers[a].slot, c.workers[b].slot))
	})
	tp := TopologyPlan{ID: topo.spec.ID, Reason: topo.reason, Workers: make([]Worker, len(ws)),
		Tasks: make(map[core.TaskID]Slot, topo.end-topo.first)}
	for i, w := range ws {
		wk := &c.workers[w]
		wk.local = int32(i)
		sup := &c.sups[wk.sup]
		tp.Workers[i] = Worker{Slot: Slot{sup.id, sup.slots[wk.slot].port}, Host: c.hosts[sup.host].name,
			Tasks: make([]core.TaskID, 0, wk.count), Demand: wk.demand}
	}
	for i := topo.first; i < topo.end; i++ {
		ts := &c.tasks[i]
		if ts.worker == none {
			tp.Unplaced = append(tp.Unplaced, ts.id)
			continue
		}
		wk := &c.workers[ts.worker]
		w := &tp.Workers[wk.local]
		w.Tasks = append(w.Tasks, ts.id)
		tp.Tasks[ts.id] = w.Slot
		if ts.curSup == gone || ts.curSup != none && (ts.curSup != wk.sup || ts.curSlot != wk.slot) {
			tp.Moved = append(tp.Moved, ts.id)
		}
	}
	core.Assert(len(tp.Unplaced) == 0 || topo.reason != "", "topology %s: %d tasks unplaced without a reason", topo.spec.ID, len(tp.Unplaced))
	core.Assert(int32(len(ws)) <= topo.want || topo.reason != "", "topology %s: %d workers, wants %d", topo.spec.ID, len(ws), topo.want)
	c.scratch.ws = ws[:0]
	return tp
}
