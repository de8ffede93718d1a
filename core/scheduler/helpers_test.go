package scheduler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/squall/squall/core"
)

// tester is what the helpers need of *testing.T, *testing.B and *rapid.T.
type tester interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkPlan asserts every rule a plan must keep, whatever the input: each
// task at most once and consistently reported, live slots only, one worker
// per slot, at most Workers slots per topology, no supervisor over capacity
// in any dimension, pins and isolation honoured, Moved exact, and a reason
// wherever a task is left out. It recomputes everything from the input.
func checkPlan(t tester, in Input, p Plan) {
	t.Helper()
	if len(p.Topologies) != len(in.Topologies) {
		t.Fatalf("got %d topology plans, want %d", len(p.Topologies), len(in.Topologies))
	}
	sups := map[core.SupervisorID]Supervisor{}
	for _, s := range in.Supervisors {
		sups[s.ID] = s
	}
	dead := map[Slot]bool{}
	for _, sl := range in.DeadSlots {
		dead[sl] = true
	}
	used := map[core.SupervisorID]Resources{}
	slotOwner := map[Slot]core.TopologyID{}
	hostOwners := map[string]map[core.TopologyID]bool{}
	for _, tp := range p.Topologies {
		spec := findTopology(t, in, tp.ID)
		checkTopologyPlan(t, in, spec, tp)
		for _, w := range tp.Workers {
			s, ok := sups[w.Slot.Supervisor]
			if !ok || !slices.Contains(s.Slots, w.Slot.Port) || dead[w.Slot] {
				t.Fatalf("topology %s: worker on %s, which is not a live slot", tp.ID, w.Slot)
			}
			if w.Host != s.Host {
				t.Fatalf("topology %s: worker %s reports host %s, want %s", tp.ID, w.Slot, w.Host, s.Host)
			}
			if owner, taken := slotOwner[w.Slot]; taken {
				t.Fatalf("slot %s runs workers of %s and %s", w.Slot, owner, tp.ID)
			}
			slotOwner[w.Slot] = tp.ID
			used[s.ID] = used[s.ID].Add(w.Demand)
			if hostOwners[s.Host] == nil {
				hostOwners[s.Host] = map[core.TopologyID]bool{}
			}
			hostOwners[s.Host][tp.ID] = true
		}
	}
	for id, u := range used {
		if !u.Fits(sups[id].Capacity) {
			t.Fatalf("supervisor %s over capacity: got use %v, want within %v", id, u, sups[id].Capacity)
		}
	}
	for _, spec := range in.Topologies {
		if !spec.Isolated {
			continue
		}
		for host, owners := range hostOwners {
			if owners[spec.ID] && len(owners) > 1 {
				t.Fatalf("isolated topology %s shares host %s with %v", spec.ID, host, owners)
			}
		}
	}
}

func findTopology(t tester, in Input, id core.TopologyID) *Topology {
	t.Helper()
	for i := range in.Topologies {
		if in.Topologies[i].ID == id {
			return &in.Topologies[i]
		}
	}
	t.Fatalf("plan for unknown topology %s", id)
	return nil
}

// checkTopologyPlan checks one topology's plan against its spec.
func checkTopologyPlan(t tester, in Input, spec *Topology, tp TopologyPlan) {
	t.Helper()
	tasks := map[core.TaskID]Task{}
	for _, task := range spec.Tasks {
		tasks[task.ID] = task
	}
	seen := map[core.TaskID]bool{}
	for _, w := range tp.Workers {
		if len(w.Tasks) == 0 {
			t.Fatalf("topology %s: worker %s holds no task", tp.ID, w.Slot)
		}
		var demand Resources
		for _, id := range w.Tasks {
			task, ok := tasks[id]
			if !ok || seen[id] {
				t.Fatalf("topology %s: task %d on %s is unknown or placed twice", tp.ID, id, w.Slot)
			}
			seen[id] = true
			demand = demand.Add(task.Demand)
			if got := tp.Tasks[id]; got != w.Slot {
				t.Fatalf("topology %s: task %d: Tasks says %s, Workers says %s", tp.ID, id, got, w.Slot)
			}
			if hosts, pinned := spec.Pins[task.Component]; pinned && !slices.Contains(hosts, w.Host) {
				t.Fatalf("topology %s: task %d of pinned component %s on host %s, want one of %v", tp.ID, id, task.Component, w.Host, hosts)
			}
		}
		if demand != w.Demand {
			t.Fatalf("topology %s: worker %s reports demand %v, its tasks sum to %v", tp.ID, w.Slot, w.Demand, demand)
		}
	}
	if len(tp.Tasks) != len(seen) || len(seen)+len(tp.Unplaced) != len(spec.Tasks) {
		t.Fatalf("topology %s: %d in Tasks, %d on workers, %d unplaced, want %d tasks in all",
			tp.ID, len(tp.Tasks), len(seen), len(tp.Unplaced), len(spec.Tasks))
	}
	for _, id := range tp.Unplaced {
		if seen[id] {
			t.Fatalf("topology %s: task %d both placed and unplaced", tp.ID, id)
		}
	}
	if len(tp.Unplaced) > 0 && tp.Feasible() {
		t.Fatalf("topology %s: %d tasks unplaced but no reason", tp.ID, len(tp.Unplaced))
	}
	if want := min(spec.Workers, len(spec.Tasks)); len(tp.Workers) > want && tp.Feasible() {
		t.Fatalf("topology %s: got %d workers, want at most %d", tp.ID, len(tp.Workers), want)
	}
	if !tp.Feasible() {
		for id, slot := range tp.Tasks {
			if in.Current[spec.ID][id] != slot {
				t.Fatalf("infeasible topology %s: task %d placed anew on %s, want only kept placements", tp.ID, id, slot)
			}
		}
	}
	var moved []core.TaskID
	for _, task := range spec.Tasks {
		cur, had := in.Current[spec.ID][task.ID]
		now, placed := tp.Tasks[task.ID]
		if had && placed && cur != now {
			moved = append(moved, task.ID)
		}
	}
	slices.Sort(moved)
	if !slices.Equal(moved, tp.Moved) {
		t.Fatalf("topology %s: got Moved %v, want %v", tp.ID, tp.Moved, moved)
	}
}

// currentOf turns a plan into the Current of the next input.
func currentOf(p Plan) map[core.TopologyID]map[core.TaskID]Slot {
	cur := map[core.TopologyID]map[core.TaskID]Slot{}
	for _, tp := range p.Topologies {
		cur[tp.ID] = tp.Tasks
	}
	return cur
}

// workerSpread returns the smallest and largest task count of a topology's
// workers.
func workerSpread(tp TopologyPlan) (lo, hi int) {
	lo = int(^uint(0) >> 1)
	for _, w := range tp.Workers {
		lo, hi = min(lo, len(w.Tasks)), max(hi, len(w.Tasks))
	}
	return lo, hi
}

// supervisors builds n supervisors s00.. on hosts h00.., each with the given
// slots and capacity.
func supervisors(n, slots int, capacity Resources) []Supervisor {
	var out []Supervisor
	for i := range n {
		s := Supervisor{ID: core.SupervisorID(fmt.Sprintf("s%02d", i)), Host: fmt.Sprintf("h%02d", i), Capacity: capacity}
		for p := range slots {
			s.Slots = append(s.Slots, core.Port(6700+p))
		}
		out = append(out, s)
	}
	return out
}

// tasks builds a topology's tasks from "component:count" specs, numbered
// from 1 in order, each with the given demand.
func tasks(demand Resources, specs ...string) []Task {
	var out []Task
	for _, spec := range specs {
		name, count, _ := strings.Cut(spec, ":")
		var n int
		fmt.Sscan(count, &n)
		for range n {
			out = append(out, Task{ID: core.TaskID(len(out) + 1), Component: name, Demand: demand})
		}
	}
	return out
}

// onHosts returns the hosts a topology's plan uses, sorted.
func onHosts(tp TopologyPlan) []string {
	var hosts []string
	for _, w := range tp.Workers {
		hosts = append(hosts, w.Host)
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// mustSchedule schedules in, fails the test on an error, and checks the plan.
func mustSchedule(t tester, in Input) Plan {
	t.Helper()
	p, err := Schedule(in)
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	checkPlan(t, in, p)
	return p
}

func mustTopology(t tester, p Plan, id core.TopologyID) TopologyPlan {
	t.Helper()
	tp, ok := p.Topology(id)
	if !ok {
		t.Fatalf("no plan for topology %s", id)
	}
	return tp
}
