package scheduler

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/squall/squall/core"
)

// benchCluster builds a large cluster deterministically: supervisors with 4
// to 16 slots and capacities that vary fourfold, and topologies of tasks
// whose demands vary on all four dimensions, a third to a half of the
// cluster's capacity in all.
func benchCluster(supervisorCount, topologyCount, tasksPerTopology int) Input {
	r := rand.New(rand.NewPCG(1, 2))
	var in Input
	for i := range supervisorCount {
		s := Supervisor{
			ID:   core.SupervisorID(fmt.Sprintf("sup-%04d", i)),
			Host: fmt.Sprintf("host-%04d", i),
			Capacity: Resources{
				CPU:         core.CPUPercent(1600 + r.IntN(4800)),
				MemoryMB:    core.MemoryMB(32_768 + r.IntN(98_304)),
				NetworkMbps: core.NetworkMbps(2_000 + r.IntN(8_000)),
				DiskMB:      core.DiskMB(100_000 + r.IntN(400_000)),
			},
		}
		for p := range 4 + r.IntN(13) {
			s.Slots = append(s.Slots, core.Port(6700+p))
		}
		in.Supervisors = append(in.Supervisors, s)
	}
	for t := range topologyCount {
		top := Topology{ID: core.TopologyID(fmt.Sprintf("topo-%03d", t)), Priority: r.IntN(4), Workers: 8 + r.IntN(33)}
		components := 4 + r.IntN(7)
		for i := range tasksPerTopology {
			c := i % components
			top.Tasks = append(top.Tasks, Task{ID: core.TaskID(i + 1), Component: fmt.Sprintf("bolt-%d", c), Demand: Resources{
				CPU:         core.CPUPercent(5 + r.IntN(30)),
				MemoryMB:    core.MemoryMB(64 + r.IntN(448)),
				NetworkMbps: core.NetworkMbps(1 + r.IntN(20)),
				DiskMB:      core.DiskMB(r.IntN(200)),
			}})
			if c > 0 && i < components {
				top.Edges = append(top.Edges, Edge{fmt.Sprintf("bolt-%d", c-1), fmt.Sprintf("bolt-%d", c)})
			}
		}
		in.Topologies = append(in.Topologies, top)
	}
	return in
}

func benchReport(b *testing.B, tasks int) {
	secPerOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(tasks)/secPerOp, "tasks/s")
	b.ReportMetric(secPerOp*1000, "ms/plan")
}

func benchCheckFeasible(b *testing.B, p Plan) {
	for _, tp := range p.Topologies {
		if !tp.Feasible() {
			b.Fatalf("topology %s infeasible: %s", tp.ID, tp.Reason)
		}
	}
}

// BenchmarkSchedule100kTasks1kSupervisors plans 100 topologies of 1,000
// tasks each on 1,000 supervisors from scratch.
func BenchmarkSchedule100kTasks1kSupervisors(b *testing.B) {
	in := benchCluster(1_000, 100, 1_000)
	p, err := Schedule(in)
	if err != nil {
		b.Fatal(err)
	}
	benchCheckFeasible(b, p)
	checkPlan(b, in, p)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := Schedule(in); err != nil {
			b.Fatal(err)
		}
	}
	benchReport(b, 100_000)
}

// BenchmarkScheduleStickyAfter1PercentDie re-plans the same cluster from its
// own plan after 10 of the 1,000 supervisors died: the tasks they ran move,
// every other task stays.
func BenchmarkScheduleStickyAfter1PercentDie(b *testing.B) {
	in := benchCluster(1_000, 100, 1_000)
	p, err := Schedule(in)
	if err != nil {
		b.Fatal(err)
	}
	in.Current = currentOf(p)
	dead := map[core.SupervisorID]bool{}
	in.Supervisors = slices.DeleteFunc(slices.Clone(in.Supervisors), func(s Supervisor) bool {
		var n int
		fmt.Sscanf(string(s.ID), "sup-%d", &n)
		dead[s.ID] = n%100 == 0
		return dead[s.ID]
	})
	lost := 0
	for _, tp := range p.Topologies {
		for _, w := range tp.Workers {
			if dead[w.Slot.Supervisor] {
				lost += len(w.Tasks)
			}
		}
	}
	after, err := Schedule(in)
	if err != nil {
		b.Fatal(err)
	}
	benchCheckFeasible(b, after)
	checkPlan(b, in, after)
	moved := 0
	for _, tp := range after.Topologies {
		moved += len(tp.Moved)
	}
	if moved != lost {
		b.Fatalf("got %d tasks moved, want the %d that ran on the dead supervisors", moved, lost)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := Schedule(in); err != nil {
			b.Fatal(err)
		}
	}
	benchReport(b, 100_000)
	b.ReportMetric(float64(moved), "moved")
}
