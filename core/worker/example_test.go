package worker_test

import (
	"fmt"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/worker"
)

// A worker heartbeats on its first event, takes the tasks its supervisor
// assigns, and exits when unassigned.
func Example() {
	w := worker.New(worker.Config{
		Spec:       core.WorkerSpec{Topology: "wc", Supervisor: "s1", Port: 6700, Epoch: 1},
		Supervisor: "s1",
	})
	w.Step(0, core.Tick{})
	fmt.Println(len(w.Ready()), "heartbeat")

	assign := protocol.WorkerAssign{Topology: "wc", Port: 6700, Epoch: 1, Assigned: true, Tasks: []core.TaskID{3, 1}}
	w.Step(0, core.Recv{From: "s1", Payload: protocol.EncodeMessage(assign)})
	fmt.Println(w.Epoch(), w.Tasks())

	assign.Assigned = false
	w.Step(0, core.Recv{From: "s1", Payload: protocol.EncodeMessage(assign)})
	fmt.Println(w.Ready())
	// Output:
	// 1 heartbeat
	// 1 [1 3]
	// [exit reason="unassigned"]
}
