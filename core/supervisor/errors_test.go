package supervisor

import (
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// A worker's errors reach nimbus in the supervisor's heartbeat, the newest
// protocol.HeartbeatErrorsMax of them even when the worker sends more.
func TestWorkerErrorsAreForwardedBounded(t *testing.T) {
	w := newWorld(t)
	w.assign(protocol.Assignment{Topology: "wc", Epoch: 1, Workers: []protocol.WorkerAssignment{wa(6700, 1)}})
	w.run(3 * time.Second)
	var errs []protocol.TaskError
	for i := range protocol.HeartbeatErrorsMax + 8 {
		errs = append(errs, protocol.TaskError{Component: "c", Task: 1, Error: "boom", TimeNs: core.Time(i), Seq: uint64(i + 1), Port: 6700})
	}
	hb := protocol.WorkerHeartbeat{Topology: "wc", Port: 6700, Epoch: 1, Errors: errs}
	w.deliver(core.Recv{From: protocol.WorkerNode("s1", 6700), Payload: protocol.EncodeMessage(hb)})
	running := w.sup.Running()
	if len(running) != 1 {
		t.Fatalf("got %d workers running, want 1", len(running))
	}
	got := running[0].Errors
	if len(got) != protocol.HeartbeatErrorsMax || got[len(got)-1].Seq != uint64(len(errs)) || got[0].Seq != 9 {
		t.Fatalf("got %d errors (seq %d to %d), want the newest %d (seq 9 to %d)",
			len(got), got[0].Seq, got[len(got)-1].Seq, protocol.HeartbeatErrorsMax, len(errs))
	}
}
