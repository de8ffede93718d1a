package scheduler

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/squall/squall/core"
)

var (
	small = Resources{CPU: 10, MemoryMB: 128, NetworkMbps: 1, DiskMB: 1}
	roomy = Resources{CPU: 1000, MemoryMB: 16_384, NetworkMbps: 1000, DiskMB: 10_000}
)

func TestScheduleRejectsBadInput(t *testing.T) {
	ok := func() Input {
		return Input{Supervisors: supervisors(1, 2, roomy),
			Topologies: []Topology{{ID: "t", Workers: 1, Tasks: tasks(small, "a:2")}}}
	}
	tests := []struct {
		name   string
		mutate func(*Input)
		want   string
	}{
		{"empty supervisor id", func(in *Input) { in.Supervisors[0].ID = "" }, "empty id"},
		{"supervisor twice", func(in *Input) { in.Supervisors = append(in.Supervisors, in.Supervisors[0]) }, "listed twice"},
		{"no host", func(in *Input) { in.Supervisors[0].Host = "" }, "no host"},
		{"port twice", func(in *Input) { in.Supervisors[0].Slots = []core.Port{1, 1} }, "port 1 twice"},
		{"negative capacity", func(in *Input) { in.Supervisors[0].Capacity.CPU = -1 }, "capacity"},
		{"capacity too large", func(in *Input) { in.Supervisors[0].Capacity.DiskMB = ResourceMax + 1 }, "capacity"},
		{"topology twice", func(in *Input) { in.Topologies = append(in.Topologies, in.Topologies[0]) }, "listed twice"},
		{"empty topology id", func(in *Input) { in.Topologies[0].ID = "" }, "empty id"},
		{"zero workers", func(in *Input) { in.Topologies[0].Workers = 0 }, "workers 0"},
		{"too many workers", func(in *Input) { in.Topologies[0].Workers = WorkersMax + 1 }, "workers"},
		{"no tasks", func(in *Input) { in.Topologies[0].Tasks = nil }, "no tasks"},
		{"task twice", func(in *Input) { in.Topologies[0].Tasks[1].ID = 1 }, "task 1 listed twice"},
		{"no component", func(in *Input) { in.Topologies[0].Tasks[0].Component = "" }, "no component"},
		{"negative demand", func(in *Input) { in.Topologies[0].Tasks[0].Demand.MemoryMB = -1 }, "demand"},
		{"edge to unknown component", func(in *Input) { in.Topologies[0].Edges = []Edge{{"a", "b"}} }, "edge a-b"},
		{"pin of unknown component", func(in *Input) { in.Topologies[0].Pins = map[string][]string{"b": {"h00"}} }, `component "b"`},
		{"pin to no host", func(in *Input) { in.Topologies[0].Pins = map[string][]string{"a": nil} }, "0 hosts"},
		{"pin to empty host", func(in *Input) { in.Topologies[0].Pins = map[string][]string{"a": {""}} }, "empty host"},
		{"too many supervisors", func(in *Input) { in.Supervisors = supervisors(SupervisorsMax+1, 0, roomy) }, "supervisors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok()
			tt.mutate(&in)
			_, err := Schedule(in)
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrBadInput mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := Schedule(ok()); err != nil {
		t.Errorf("the valid base input: got %v, want no error", err)
	}
}

func TestInfeasibleReasons(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"task larger than any supervisor", Input{
			Supervisors: supervisors(2, 4, Resources{CPU: 300, MemoryMB: 4096, NetworkMbps: 100, DiskMB: 100}),
			Topologies: []Topology{{ID: "wc", Workers: 2, Tasks: append(tasks(small, "split:11"),
				Task{ID: 12, Component: "split", Demand: Resources{CPU: 400}})}},
		}, "task 12 (component split) demands cpu 400 > largest supervisor 300"},
		{"memory larger than any supervisor", Input{
			Supervisors: supervisors(2, 4, Resources{CPU: 300, MemoryMB: 2048}),
			Topologies:  []Topology{{ID: "wc", Workers: 1, Tasks: tasks(Resources{MemoryMB: 4096}, "count:1")}},
		}, "task 1 (component count) demands memory 4096 MB > largest supervisor 2048 MB"},
		{"too few slots", Input{
			Supervisors: supervisors(3, 1, roomy),
			Topologies:  []Topology{{ID: "wc", Workers: 4, Tasks: tasks(small, "split:8")}},
		}, "needs 4 workers but only 3 free slots"},
		{"too little memory in total", Input{
			Supervisors: supervisors(2, 4, Resources{CPU: 1000, MemoryMB: 2000}),
			Topologies:  []Topology{{ID: "wc", Workers: 2, Tasks: tasks(Resources{MemoryMB: 1000}, "split:5")}},
		}, "demands memory 5000 MB in total but only 4000 MB free"},
		{"fragmented capacity", Input{
			Supervisors: supervisors(2, 4, Resources{CPU: 150}),
			Topologies:  []Topology{{ID: "wc", Workers: 2, Tasks: tasks(Resources{CPU: 100}, "split:3")}},
		}, "task 3 (component split) fits on none of its 2 workers (needs cpu 100, memory 0 MB, network 0 Mbps, disk 0 MB)"},
		{"pinned host dead", Input{
			Supervisors: supervisors(2, 4, roomy),
			Topologies: []Topology{{ID: "wc", Workers: 2, Tasks: tasks(small, "spout:2", "split:4"),
				Pins: map[string][]string{"split": {"h9"}}}},
		}, "component split: pinned host h9 not alive"},
		{"isolated without a free host", Input{
			Supervisors: supervisors(1, 4, roomy),
			Topologies: []Topology{
				{ID: "iso-a", Workers: 1, Isolated: true, Tasks: tasks(small, "a:1")},
				{ID: "iso-b", Workers: 1, Isolated: true, Tasks: tasks(small, "b:1")},
			},
		}, "isolated: no free host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustSchedule(t, tt.in)
			last := p.Topologies[len(p.Topologies)-1]
			if last.Reason != tt.want {
				t.Errorf("got reason %q, want %q", last.Reason, tt.want)
			}
			if len(last.Tasks) != 0 || len(last.Workers) != 0 {
				t.Errorf("got %d tasks on %d workers, want nothing placed anew:\n%v", len(last.Tasks), len(last.Workers), last)
			}
		})
	}
}

// An infeasible topology keeps its healthy placement and reports the rest.
func TestInfeasibleKeepsHealthyPlacement(t *testing.T) {
	in := Input{Supervisors: supervisors(3, 1, roomy),
		Topologies: []Topology{{ID: "wc", Workers: 3, Tasks: tasks(small, "split:9")}}}
	before := mustSchedule(t, in)
	in.Current = currentOf(before)
	in.Supervisors = in.Supervisors[1:] // s00 dies; no free slot is left
	after := mustTopology(t, mustSchedule(t, in), "wc")
	if want := "needs 1 more worker (3 in all) but only 0 free slots"; after.Reason != want {
		t.Errorf("got reason %q, want %q", after.Reason, want)
	}
	lost := before.Topologies[0].Workers[0]
	if !reflect.DeepEqual(after.Unplaced, lost.Tasks) {
		t.Errorf("got unplaced %v, want the tasks of %s: %v", after.Unplaced, lost.Slot, lost.Tasks)
	}
	if len(after.Tasks) != 6 || len(after.Moved) != 0 {
		t.Errorf("got %d tasks kept, %d moved; want 6 kept, none moved", len(after.Tasks), len(after.Moved))
	}
}

func TestPins(t *testing.T) {
	in := Input{Supervisors: supervisors(4, 2, roomy),
		Topologies: []Topology{{ID: "wc", Workers: 4, Tasks: tasks(small, "spout:4", "split:4"),
			Pins: map[string][]string{"spout": {"h02", "h03"}}}}}
	tp := mustTopology(t, mustSchedule(t, in), "wc")
	if !tp.Feasible() {
		t.Fatalf("got reason %q, want feasible", tp.Reason)
	}
	for id := core.TaskID(1); id <= 4; id++ {
		if s := tp.Tasks[id].Supervisor; s != "s02" && s != "s03" {
			t.Errorf("spout task %d on %s, want s02 or s03 (pinned hosts h02, h03)", id, s)
		}
	}

	// A pin takes priority over the current assignment: a spout task
	// currently off its pinned hosts moves there.
	in.Current = currentOf(Plan{Topologies: []TopologyPlan{tp}})
	in.Current["wc"][1] = Slot{"s00", 6701}
	again := mustTopology(t, mustSchedule(t, in), "wc")
	if s := again.Tasks[1].Supervisor; s != "s02" && s != "s03" || !slices.Contains(again.Moved, 1) {
		t.Errorf("task 1 on %s, moved %v; want it back on a pinned host and reported moved", s, again.Moved)
	}
}

func TestIsolation(t *testing.T) {
	in := Input{Supervisors: supervisors(4, 4, roomy), Topologies: []Topology{
		{ID: "shared", Priority: 0, Workers: 4, Tasks: tasks(small, "a:8")},
		{ID: "iso", Priority: 5, Workers: 2, Isolated: true, Tasks: tasks(small, "b:4")},
	}}
	p := mustSchedule(t, in)
	if p.Topologies[0].ID != "iso" {
		t.Errorf("got processing order starting %s, want iso first: isolated topologies go first", p.Topologies[0].ID)
	}
	iso, shared := mustTopology(t, p, "iso"), mustTopology(t, p, "shared")
	if got := onHosts(iso); !reflect.DeepEqual(got, []string{"h00"}) {
		t.Errorf("iso on hosts %v, want [h00]: the fewest hosts that hold it", got)
	}
	if got := onHosts(shared); slices.Contains(got, "h00") {
		t.Errorf("shared on hosts %v, want none of iso's", got)
	}

	// Its host dies: it takes a free host, and the shared topology stays.
	in.Current = currentOf(p)
	in.Supervisors = slices.Concat(in.Supervisors[1:], supervisors(5, 4, roomy)[4:])
	p = mustSchedule(t, in)
	iso, shared = mustTopology(t, p, "iso"), mustTopology(t, p, "shared")
	if got := onHosts(iso); !reflect.DeepEqual(got, []string{"h04"}) || len(shared.Moved) != 0 {
		t.Errorf("after h00 died: iso on %v, shared moved %v; want iso on the free host h04, shared unmoved", got, shared.Moved)
	}

	// No free host: it claims the least busy one and evicts the shared
	// workers there, which move and are reported.
	in.Current = currentOf(p)
	in.Supervisors = in.Supervisors[:3] // h04 dies; h01..h03 run shared workers
	p = mustSchedule(t, in)
	iso, shared = mustTopology(t, p, "iso"), mustTopology(t, p, "shared")
	if !iso.Feasible() || !shared.Feasible() || len(shared.Moved) == 0 {
		t.Fatalf("iso %q, shared %q moved %v: want both feasible and shared workers evicted", iso.Reason, shared.Reason, shared.Moved)
	}
	if got := onHosts(iso); slices.ContainsFunc(onHosts(shared), func(h string) bool { return slices.Contains(got, h) }) {
		t.Errorf("iso on %v shares a host with shared on %v", got, onHosts(shared))
	}
}

func TestWorkerCountChanges(t *testing.T) {
	base := Input{Supervisors: supervisors(6, 2, roomy),
		Topologies: []Topology{{ID: "wc", Workers: 4, Tasks: tasks(small, "spout:4", "split:8")}}}
	before := mustSchedule(t, base)
	tests := []struct {
		name      string
		workers   int
		rebalance bool
		want      int // workers in the plan
		moved     bool
	}{
		{"unchanged", 4, false, 4, false},
		{"shrink re-plans", 2, false, 2, true},
		{"grow keeps tasks until rebalanced", 6, false, 4, false},
		{"grow with rebalance", 6, true, 6, true},
		{"rebalance at the same count", 4, true, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			in.Topologies = slices.Clone(base.Topologies)
			in.Topologies[0].Workers = tt.workers
			in.Current = currentOf(before)
			if tt.rebalance {
				in.Rebalance = []core.TopologyID{"wc"}
			}
			tp := mustTopology(t, mustSchedule(t, in), "wc")
			if !tp.Feasible() || len(tp.Workers) != tt.want || (len(tp.Moved) > 0) != tt.moved {
				t.Errorf("got %d workers, %d moved, reason %q; want %d workers, moved %v", len(tp.Workers), len(tp.Moved), tp.Reason, tt.want, tt.moved)
			}
			if lo, hi := workerSpread(tp); tt.want == tt.workers && hi-lo > 1 {
				t.Errorf("got worker task counts from %d to %d, want a difference of at most 1", lo, hi)
			}
		})
	}
}

// A rebalanced topology is planned as if it had no current placement: with
// new empty supervisors, it spreads onto them; without the rebalance, it
// stays put.
func TestRebalanceLiftsStickiness(t *testing.T) {
	in := Input{Supervisors: supervisors(2, 4, roomy),
		Topologies: []Topology{{ID: "wc", Workers: 4, Tasks: tasks(small, "split:8")}}}
	before := mustSchedule(t, in)
	in.Current = currentOf(before)
	in.Supervisors = supervisors(4, 4, roomy) // s02, s03 join
	sticky := mustTopology(t, mustSchedule(t, in), "wc")
	if len(sticky.Moved) != 0 {
		t.Errorf("without rebalance: moved %v, want nothing", sticky.Moved)
	}
	in.Rebalance = []core.TopologyID{"wc"}
	rebalanced := mustTopology(t, mustSchedule(t, in), "wc")
	fresh := mustTopology(t, mustSchedule(t, Input{Supervisors: in.Supervisors, Topologies: in.Topologies}), "wc")
	if !reflect.DeepEqual(rebalanced.Workers, fresh.Workers) {
		t.Errorf("rebalanced plan:\n%v\nwant the fresh plan:\n%v", rebalanced, fresh)
	}
	if got := onHosts(rebalanced); len(got) != 4 {
		t.Errorf("rebalanced onto hosts %v, want all 4", got)
	}
}

func TestPriorityAndNoPreemption(t *testing.T) {
	in := Input{Supervisors: supervisors(2, 1, roomy), Topologies: []Topology{
		{ID: "low", Priority: 3, Workers: 2, Tasks: tasks(small, "a:2")},
		{ID: "high", Priority: 0, Workers: 2, Tasks: tasks(small, "b:2")},
	}}
	p := mustSchedule(t, in)
	if !mustTopology(t, p, "high").Feasible() || mustTopology(t, p, "low").Feasible() {
		t.Fatalf("got high %q, low %q; want high placed and low infeasible", mustTopology(t, p, "high").Reason, mustTopology(t, p, "low").Reason)
	}
	// Running first, low keeps its slots against a later high: no preemption.
	in.Topologies = in.Topologies[:1]
	in.Current = currentOf(mustSchedule(t, in))
	in.Topologies = append(in.Topologies, Topology{ID: "high", Priority: 0, Workers: 2, Tasks: tasks(small, "b:2")})
	p = mustSchedule(t, in)
	if !mustTopology(t, p, "low").Feasible() || mustTopology(t, p, "high").Feasible() {
		t.Errorf("got low %q, high %q; want low kept and high infeasible", mustTopology(t, p, "low").Reason, mustTopology(t, p, "high").Reason)
	}
}

// Current assignments that broke the rules (two topologies on one port, a
// supervisor that shrank) are repaired: the earlier topology keeps its
// place, and only what no longer fits moves.
func TestStickinessRepairsBrokenAssignments(t *testing.T) {
	in := Input{Supervisors: supervisors(3, 1, Resources{CPU: 100}), Topologies: []Topology{
		{ID: "a", Workers: 1, Tasks: tasks(Resources{CPU: 30}, "x:2")},
		{ID: "b", Workers: 1, Tasks: tasks(Resources{CPU: 30}, "y:2")},
	}}
	in.Current = map[core.TopologyID]map[core.TaskID]Slot{
		"a": {1: {"s00", 6700}, 2: {"s00", 6700}},
		"b": {1: {"s00", 6700}, 2: {"s00", 6700}}, // STORM-155: the same port
	}
	p := mustSchedule(t, in)
	a, b := mustTopology(t, p, "a"), mustTopology(t, p, "b")
	if len(a.Moved) != 0 || !reflect.DeepEqual(b.Moved, []core.TaskID{1, 2}) {
		t.Errorf("got a moved %v, b moved %v; want a kept and b's both tasks moved", a.Moved, b.Moved)
	}

	// s00 shrank and holds one task. With a second worker allowed, only the
	// task that no longer fits moves; with one, the worker moves whole,
	// since feasibility comes before stickiness.
	in.Topologies = in.Topologies[:1]
	in.Current = map[core.TopologyID]map[core.TaskID]Slot{"a": {1: {"s00", 6700}, 2: {"s00", 6700}}}
	in.Supervisors[0].Capacity.CPU = 50
	for _, tt := range []struct {
		workers int
		moved   []core.TaskID
	}{{2, []core.TaskID{2}}, {1, []core.TaskID{1, 2}}} {
		in.Topologies[0].Workers = tt.workers
		a = mustTopology(t, mustSchedule(t, in), "a")
		if !reflect.DeepEqual(a.Moved, tt.moved) || !a.Feasible() {
			t.Errorf("workers %d: got moved %v, reason %q; want %v moved", tt.workers, a.Moved, a.Reason, tt.moved)
		}
	}
}

// Edges break ties toward co-location; they never outweigh balance.
func TestEdgesColocateOnTies(t *testing.T) {
	in := Input{Supervisors: supervisors(2, 1, roomy),
		Topologies: []Topology{{ID: "wc", Workers: 2, Tasks: tasks(small, "a:1", "b:1", "c:1", "d:1")}}}
	sameWorker := func(tp TopologyPlan, x, y core.TaskID) bool { return tp.Tasks[x] == tp.Tasks[y] }
	plain := mustTopology(t, mustSchedule(t, in), "wc")
	in.Topologies[0].Edges = []Edge{{"b", "c"}}
	linked := mustTopology(t, mustSchedule(t, in), "wc")
	if sameWorker(plain, 2, 3) || !sameWorker(linked, 2, 3) {
		t.Errorf("b and c share a worker: without the edge %v, with it %v; want false, true\n%v%v",
			sameWorker(plain, 2, 3), sameWorker(linked, 2, 3), plain, linked)
	}
	if lo, hi := workerSpread(linked); lo != 2 || hi != 2 {
		t.Errorf("with the edge: worker task counts from %d to %d, want 2 each", lo, hi)
	}
}

// A dead slot is never used, and the tasks on it move within their
// supervisor when it has room.
func TestDeadSlot(t *testing.T) {
	in := Input{Supervisors: supervisors(1, 3, roomy),
		Topologies: []Topology{{ID: "wc", Workers: 2, Tasks: tasks(small, "a:4")}}}
	before := mustSchedule(t, in)
	in.Current = currentOf(before)
	in.DeadSlots = []Slot{before.Topologies[0].Workers[0].Slot}
	after := mustTopology(t, mustSchedule(t, in), "wc")
	if !after.Feasible() || !reflect.DeepEqual(after.Moved, before.Topologies[0].Workers[0].Tasks) {
		t.Errorf("got moved %v, reason %q; want exactly the dead slot's tasks %v moved", after.Moved, after.Reason, before.Topologies[0].Workers[0].Tasks)
	}
}

// Workers go to distinct supervisors first, least loaded first; only then
// does a supervisor get a second one, again the least loaded.
func TestWorkersSpreadLeastLoadedFirst(t *testing.T) {
	in := Input{Supervisors: supervisors(3, 4, Resources{CPU: 1000, MemoryMB: 16_384}), Topologies: []Topology{
		{ID: "busy", Workers: 1, Tasks: tasks(Resources{CPU: 500}, "a:1")},
		{ID: "wc", Priority: 1, Workers: 4, Tasks: tasks(Resources{CPU: 10}, "b:8")},
	}}
	in.Current = map[core.TopologyID]map[core.TaskID]Slot{"busy": {1: {"s00", 6700}}}
	wc := mustTopology(t, mustSchedule(t, in), "wc")
	perSupervisor := map[core.SupervisorID]int{}
	for _, w := range wc.Workers {
		perSupervisor[w.Slot.Supervisor]++
	}
	want := map[core.SupervisorID]int{"s00": 1, "s01": 2, "s02": 1}
	if !reflect.DeepEqual(perSupervisor, want) {
		t.Errorf("got workers per supervisor %v, want %v (s00 is the most loaded)\n%v", perSupervisor, want, wc)
	}
}

// An isolated topology with pins claims its pinned hosts first, and places
// the rest of its tasks on further hosts of its own.
func TestIsolatedPinnedClaimsPinnedHost(t *testing.T) {
	in := Input{Supervisors: supervisors(4, 1, roomy), Topologies: []Topology{
		{ID: "iso", Workers: 2, Isolated: true, Tasks: tasks(small, "a:2", "b:2"),
			Pins: map[string][]string{"b": {"h02"}}},
		{ID: "shared", Workers: 2, Tasks: tasks(small, "c:2")},
	}}
	p := mustSchedule(t, in)
	iso, shared := mustTopology(t, p, "iso"), mustTopology(t, p, "shared")
	if got := onHosts(iso); !iso.Feasible() || !slices.Contains(got, "h02") || len(got) != 2 {
		t.Errorf("iso on hosts %v, reason %q; want h02 and one more host", got, iso.Reason)
	}
	if got := onHosts(shared); !shared.Feasible() || len(got) != 2 || slices.Contains(got, "h02") {
		t.Errorf("shared on hosts %v, reason %q; want the two hosts iso left", got, shared.Reason)
	}
}
