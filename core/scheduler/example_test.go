package scheduler_test

import (
	"fmt"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/scheduler"
)

func ExampleSchedule() {
	capacity := scheduler.Resources{CPU: 400, MemoryMB: 8192, NetworkMbps: 1000, DiskMB: 10_000}
	in := scheduler.Input{
		Supervisors: []scheduler.Supervisor{
			{ID: "s1", Host: "h1", Slots: []core.Port{6700, 6701}, Capacity: capacity},
			{ID: "s2", Host: "h2", Slots: []core.Port{6700, 6701}, Capacity: capacity},
		},
		Topologies: []scheduler.Topology{{
			ID: "wordcount", Workers: 2,
			Tasks: []scheduler.Task{
				{ID: 1, Component: "spout", Demand: scheduler.Resources{CPU: 50, MemoryMB: 256}},
				{ID: 2, Component: "split", Demand: scheduler.Resources{CPU: 100, MemoryMB: 512}},
				{ID: 3, Component: "split", Demand: scheduler.Resources{CPU: 100, MemoryMB: 512}},
				{ID: 4, Component: "count", Demand: scheduler.Resources{CPU: 100, MemoryMB: 512}},
			},
			Edges: []scheduler.Edge{{From: "spout", To: "split"}, {From: "split", To: "count"}},
		}},
	}
	plan, err := scheduler.Schedule(in)
	if err != nil {
		panic(err)
	}
	fmt.Print(plan.Topologies[0])

	// s1 dies: only the tasks it ran move.
	in.Current = map[core.TopologyID]map[core.TaskID]scheduler.Slot{"wordcount": plan.Topologies[0].Tasks}
	in.Supervisors = in.Supervisors[1:]
	plan, _ = scheduler.Schedule(in)
	fmt.Print(plan.Topologies[0])
	// Output:
	// topology wordcount: 2 workers, 0 moved, 0 unplaced, feasible
	//   s1:6700 host h1 tasks [2 4] (cpu 200, memory 1024 MB, network 0 Mbps, disk 0 MB)
	//   s2:6700 host h2 tasks [1 3] (cpu 150, memory 768 MB, network 0 Mbps, disk 0 MB)
	// topology wordcount: 2 workers, 2 moved, 0 unplaced, feasible
	//   s2:6700 host h2 tasks [1 3] (cpu 150, memory 768 MB, network 0 Mbps, disk 0 MB)
	//   s2:6701 host h2 tasks [2 4] (cpu 200, memory 1024 MB, network 0 Mbps, disk 0 MB)
}
