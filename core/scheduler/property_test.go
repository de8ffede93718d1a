package scheduler

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/squall/squall/core"
	"pgregory.net/rapid"
)

// genOpts shapes generated inputs.
type genOpts struct {
	ample    bool // slots and capacity are plentiful: every topology is feasible
	uniform  bool // every task demands the same
	pins     bool // components may be pinned, sometimes to hosts that do not exist
	isolated bool // topologies may be isolated
	chaos    bool // random current assignments (garbage included), dead slots, rebalances
}

var ampleCapacity = Resources{CPU: 1 << 30, MemoryMB: 1 << 30, NetworkMbps: 1 << 30, DiskMB: 1 << 30}

func genDemand(t *rapid.T, o genOpts, label string) Resources {
	if o.uniform {
		return Resources{CPU: 10, MemoryMB: 128, NetworkMbps: 5, DiskMB: 1}
	}
	return Resources{
		CPU:         core.CPUPercent(rapid.IntRange(0, 150).Draw(t, label+"cpu")),
		MemoryMB:    core.MemoryMB(rapid.IntRange(0, 1024).Draw(t, label+"mem")),
		NetworkMbps: core.NetworkMbps(rapid.IntRange(0, 50).Draw(t, label+"net")),
		DiskMB:      core.DiskMB(rapid.IntRange(0, 100).Draw(t, label+"disk")),
	}
}

func genSupervisors(t *rapid.T, o genOpts) []Supervisor {
	n := rapid.IntRange(1, 10).Draw(t, "supervisors")
	hosts := rapid.IntRange(1, n).Draw(t, "hosts")
	var out []Supervisor
	for i := range n {
		s := Supervisor{ID: core.SupervisorID(fmt.Sprintf("s%d", i)), Host: fmt.Sprintf("h%d", i%hosts), Capacity: ampleCapacity}
		for _, p := range rapid.SliceOfNDistinct(rapid.IntRange(6700, 6710), 0, 5, rapid.ID[int]).Draw(t, "ports") {
			s.Slots = append(s.Slots, core.Port(p))
		}
		if !o.ample {
			s.Capacity = Resources{
				CPU:         core.CPUPercent(rapid.IntRange(0, 800).Draw(t, "capcpu")),
				MemoryMB:    core.MemoryMB(rapid.IntRange(0, 8192).Draw(t, "capmem")),
				NetworkMbps: core.NetworkMbps(rapid.IntRange(0, 400).Draw(t, "capnet")),
				DiskMB:      core.DiskMB(rapid.IntRange(0, 800).Draw(t, "capdisk")),
			}
		}
		out = append(out, s)
	}
	return out
}

func genTopology(t *rapid.T, o genOpts, i int, hosts []string) Topology {
	top := Topology{
		ID:       core.TopologyID(fmt.Sprintf("t%d", i)),
		Priority: rapid.IntRange(0, 3).Draw(t, "priority"),
		Workers:  rapid.IntRange(1, 6).Draw(t, "workers"),
		Isolated: o.isolated && rapid.IntRange(0, 4).Draw(t, "isolated") == 0,
	}
	comps := rapid.IntRange(1, 4).Draw(t, "components")
	ids := rapid.SliceOfNDistinct(rapid.IntRange(0, 200), 1, 30, rapid.ID[int]).Draw(t, "taskids")
	for _, id := range ids {
		comp := fmt.Sprintf("c%d", rapid.IntRange(0, comps-1).Draw(t, "comp"))
		top.Tasks = append(top.Tasks, Task{ID: core.TaskID(id), Component: comp, Demand: genDemand(t, o, "demand")})
	}
	names := map[string]bool{}
	for _, task := range top.Tasks {
		names[task.Component] = true
	}
	present := slices.Sorted(func(yield func(string) bool) {
		for n := range names {
			if !yield(n) {
				return
			}
		}
	})
	for range rapid.IntRange(0, 3).Draw(t, "edges") {
		top.Edges = append(top.Edges, Edge{rapid.SampledFrom(present).Draw(t, "from"), rapid.SampledFrom(present).Draw(t, "to")})
	}
	if o.pins && rapid.IntRange(0, 2).Draw(t, "pin") == 0 {
		choices := append(slices.Clone(hosts), "hx")
		top.Pins = map[string][]string{
			rapid.SampledFrom(present).Draw(t, "pinned"): rapid.SliceOfNDistinct(rapid.SampledFrom(choices), 1, 2, rapid.ID[string]).Draw(t, "pinhosts"),
		}
	}
	return top
}

// genInput draws an input. With o.ample, slots are added until every
// topology's workers fit on distinct slots.
func genInput(t *rapid.T, o genOpts) Input {
	in := Input{Supervisors: genSupervisors(t, o)}
	var hosts []string
	for _, s := range in.Supervisors {
		hosts = append(hosts, s.Host)
	}
	workers := 0
	for i := range rapid.IntRange(1, 5).Draw(t, "topologies") {
		top := genTopology(t, o, i, hosts)
		workers += min(top.Workers, len(top.Tasks))
		in.Topologies = append(in.Topologies, top)
	}
	if o.ample {
		slots := 0
		for _, s := range in.Supervisors {
			slots += len(s.Slots)
		}
		for i := 0; slots < workers+2; i++ {
			in.Supervisors = append(in.Supervisors, Supervisor{ID: core.SupervisorID(fmt.Sprintf("x%d", i)),
				Host: fmt.Sprintf("hx%d", i), Slots: []core.Port{6700, 6701, 6702}, Capacity: ampleCapacity})
			slots += 3
		}
	}
	if o.chaos {
		genChaos(t, &in)
	}
	return in
}

// genChaos adds current assignments (some to dead or unknown slots, some
// conflicting), dead slots and rebalances.
func genChaos(t *rapid.T, in *Input) {
	var slots []Slot
	for _, s := range in.Supervisors {
		for _, p := range s.Slots {
			slots = append(slots, Slot{s.ID, p})
		}
	}
	slots = append(slots, Slot{"gone", 6700})
	in.Current = map[core.TopologyID]map[core.TaskID]Slot{}
	for _, top := range in.Topologies {
		cur := map[core.TaskID]Slot{}
		for _, task := range top.Tasks {
			if rapid.Bool().Draw(t, "assigned") {
				cur[task.ID] = rapid.SampledFrom(slots).Draw(t, "slot")
			}
		}
		in.Current[top.ID] = cur
		if rapid.IntRange(0, 3).Draw(t, "rebalance") == 0 {
			in.Rebalance = append(in.Rebalance, top.ID)
		}
	}
	for range rapid.IntRange(0, 3).Draw(t, "dead") {
		in.DeadSlots = append(in.DeadSlots, rapid.SampledFrom(slots).Draw(t, "deadslot"))
	}
}

func TestPropertyPlansKeepTheRules(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, genOpts{pins: true, isolated: true, chaos: true})
		mustSchedule(t, in)
	})
}

func TestPropertyFeasibleInputPlacesEveryTaskOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, genOpts{ample: true})
		p := mustSchedule(t, in)
		for _, tp := range p.Topologies {
			spec := findTopology(t, in, tp.ID)
			if !tp.Feasible() || len(tp.Tasks) != len(spec.Tasks) {
				t.Fatalf("topology %s: got %d of %d tasks placed, reason %q; want all, feasible", tp.ID, len(tp.Tasks), len(spec.Tasks), tp.Reason)
			}
			if want := min(spec.Workers, len(spec.Tasks)); len(tp.Workers) != want {
				t.Fatalf("topology %s: got %d workers, want %d", tp.ID, len(tp.Workers), want)
			}
		}
	})
}

func TestPropertyUniformDemandsBalance(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, genOpts{ample: true, uniform: true})
		p := mustSchedule(t, in)
		for _, tp := range p.Topologies {
			checkWorkerBalance(t, tp)
			checkComponentSpread(t, findTopology(t, in, tp.ID), tp)
		}
	})
}

// checkWorkerBalance checks the balance rule for uniform demands: the
// workers' task counts differ by at most one.
func checkWorkerBalance(t *rapid.T, tp TopologyPlan) {
	if lo, hi := workerSpread(tp); hi-lo > 1 {
		t.Fatalf("topology %s: worker task counts from %d to %d, want a difference of at most 1\n%v", tp.ID, lo, hi, tp)
	}
}

// checkComponentSpread checks that each component's tasks spread over the
// workers with counts that differ by at most one. Only a fresh plan promises
// it: a sticky re-plan keeps survivors where they are.
func checkComponentSpread(t *rapid.T, spec *Topology, tp TopologyPlan) {
	component := map[core.TaskID]string{}
	for _, task := range spec.Tasks {
		component[task.ID] = task.Component
	}
	perComp := map[string][]int{}
	for i, w := range tp.Workers {
		for _, id := range w.Tasks {
			c := component[id]
			if perComp[c] == nil {
				perComp[c] = make([]int, len(tp.Workers))
			}
			perComp[c][i]++
		}
	}
	for c, counts := range perComp {
		if lo, hi := slices.Min(counts), slices.Max(counts); hi-lo > 1 {
			t.Fatalf("topology %s: component %s spread %v over workers, want a difference of at most 1\n%v", tp.ID, c, counts, tp)
		}
	}
}

func TestPropertyFailureMovesOnlyLostTasks(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		uniform := rapid.Bool().Draw(t, "uniform")
		in := genInput(t, genOpts{ample: true, uniform: uniform, pins: rapid.Bool().Draw(t, "pins")})
		before := mustSchedule(t, in)
		in.Current = currentOf(before)
		lost := killOne(t, &in)
		after := mustSchedule(t, in)
		for _, tp := range after.Topologies {
			prev := mustTopology(t, before, tp.ID)
			for id, slot := range prev.Tasks {
				now, placed := tp.Tasks[id]
				if lost[slot] && placed != tp.Feasible() {
					t.Fatalf("topology %s: lost task %d placed %v, feasible %v (%s)", tp.ID, id, placed, tp.Feasible(), tp.Reason)
				}
				if !lost[slot] && now != slot {
					t.Fatalf("topology %s: task %d on surviving slot %s moved to %s (placed %v)", tp.ID, id, slot, now, placed)
				}
			}
			if uniform && tp.Feasible() && prev.Feasible() && len(findTopology(t, in, tp.ID).Pins) == 0 {
				checkWorkerBalance(t, tp)
			}
		}
	})
}

// killOne kills a supervisor or marks one slot dead, and returns the slots
// lost.
func killOne(t *rapid.T, in *Input) map[Slot]bool {
	i := rapid.IntRange(0, len(in.Supervisors)-1).Draw(t, "victim")
	s := in.Supervisors[i]
	lost := map[Slot]bool{}
	if rapid.Bool().Draw(t, "whole") || len(s.Slots) == 0 {
		for _, p := range s.Slots {
			lost[Slot{s.ID, p}] = true
		}
		in.Supervisors = slices.Delete(slices.Clone(in.Supervisors), i, i+1)
		return lost
	}
	dead := Slot{s.ID, rapid.SampledFrom(s.Slots).Draw(t, "deadport")}
	in.DeadSlots = append(in.DeadSlots, dead)
	lost[dead] = true
	return lost
}

// Re-planning a plan as the current assignment (a nimbus restart or
// failover) must not move a feasible topology (STORM-3984). The one
// exception is by design: an isolated topology that did not fit may claim
// hosts on the second try and evict shared workers there.
func TestPropertyReplanOfOwnPlanMovesNothing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, genOpts{pins: true, isolated: rapid.Bool().Draw(t, "isolation"), chaos: true})
		first := mustSchedule(t, in)
		in.Current, in.Rebalance = currentOf(first), nil
		second := mustSchedule(t, in)
		for _, tp := range first.Topologies {
			if !tp.Feasible() && findTopology(t, in, tp.ID).Isolated {
				return
			}
		}
		for _, tp := range second.Topologies {
			if prev := mustTopology(t, first, tp.ID); prev.Feasible() && (len(tp.Moved) > 0 || !tp.Feasible()) {
				t.Fatalf("topology %s: re-planning its own plan moved %v, reason %q\nbefore %v\nafter %v", tp.ID, tp.Moved, tp.Reason, prev, tp)
			}
		}
	})
}

func TestPropertyDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := genInput(t, genOpts{pins: true, isolated: true, chaos: true})
		first, err1 := Schedule(in)
		again, err2 := Schedule(in)
		seed := rapid.Uint64().Draw(t, "shuffle")
		permuted, err3 := Schedule(permute(in, rand.New(rand.NewPCG(seed, seed))))
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("errors %v, %v, %v on a valid input", err1, err2, err3)
		}
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("same input, different plans:\n%v\n%v", first, again)
		}
		if !reflect.DeepEqual(first, permuted) {
			t.Fatalf("permuted input, different plans:\n%v\n%v", first, permuted)
		}
	})
}

// permute returns a copy of in with every slice shuffled.
func permute(in Input, r *rand.Rand) Input {
	shuffle := func(n int, swap func(i, j int)) { r.Shuffle(n, swap) }
	out := in
	out.Supervisors = slices.Clone(in.Supervisors)
	for i := range out.Supervisors {
		s := &out.Supervisors[i]
		s.Slots = slices.Clone(s.Slots)
		shuffle(len(s.Slots), func(i, j int) { s.Slots[i], s.Slots[j] = s.Slots[j], s.Slots[i] })
	}
	shuffle(len(out.Supervisors), func(i, j int) { out.Supervisors[i], out.Supervisors[j] = out.Supervisors[j], out.Supervisors[i] })
	out.Topologies = slices.Clone(in.Topologies)
	for i := range out.Topologies {
		top := &out.Topologies[i]
		top.Tasks, top.Edges = slices.Clone(top.Tasks), slices.Clone(top.Edges)
		shuffle(len(top.Tasks), func(i, j int) { top.Tasks[i], top.Tasks[j] = top.Tasks[j], top.Tasks[i] })
		shuffle(len(top.Edges), func(i, j int) { top.Edges[i], top.Edges[j] = top.Edges[j], top.Edges[i] })
		for j := range top.Edges {
			if r.IntN(2) == 0 {
				top.Edges[j].From, top.Edges[j].To = top.Edges[j].To, top.Edges[j].From
			}
		}
		pins := map[string][]string{}
		for c, hosts := range top.Pins {
			hosts = slices.Clone(hosts)
			shuffle(len(hosts), func(i, j int) { hosts[i], hosts[j] = hosts[j], hosts[i] })
			pins[c] = hosts
		}
		top.Pins = pins
	}
	shuffle(len(out.Topologies), func(i, j int) { out.Topologies[i], out.Topologies[j] = out.Topologies[j], out.Topologies[i] })
	out.DeadSlots = slices.Clone(in.DeadSlots)
	shuffle(len(out.DeadSlots), func(i, j int) { out.DeadSlots[i], out.DeadSlots[j] = out.DeadSlots[j], out.DeadSlots[i] })
	out.Rebalance = slices.Clone(in.Rebalance)
	shuffle(len(out.Rebalance), func(i, j int) { out.Rebalance[i], out.Rebalance[j] = out.Rebalance[j], out.Rebalance[i] })
	return out
}
