package lanes_test

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/realnet/lanes"
)

// A worker machine with the lanes factory runs its tasks on their own,
// reports their metrics in heartbeats, and stops every goroutine when it
// exits.
func TestMachineRunsLanesAndStopsThemAtExit(t *testing.T) {
	topo, err := examples.WordCount("wc", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	spec := core.WorkerSpec{Topology: "wc", Supervisor: "s1", Port: 6700, Epoch: 1}
	m := worker.New(worker.Config{Spec: spec, Supervisor: "sup", Topology: topo,
		Rand: rand.New(rand.NewPCG(1, 2)), Plane: lanes.Factory()})
	fromSup := func(msg protocol.Message) core.Event {
		return core.Recv{From: "sup", Payload: protocol.EncodeMessage(msg)}
	}
	tasks := taskIDs(topo)
	start := time.Now()
	now := func() core.Time { return core.Time(time.Since(start)) }
	m.Step(now(), fromSup(protocol.WorkerAssign{Topology: "wc", Port: 6700, Epoch: 1, Assigned: true, Tasks: tasks,
		Workers: []protocol.WorkerAssignment{{Supervisor: "s1", Port: 6700, Tasks: tasks}}}))
	emitted := int64(0)
	deadline := time.Now().Add(waitMax)
	for emitted == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		m.Step(now(), core.Tick{})
		for _, eff := range m.Ready() {
			if s, ok := eff.(core.Send); ok && s.To == "sup" {
				msg, err := protocol.DecodeMessage(s.Payload)
				if err != nil {
					t.Fatal(err)
				}
				for _, tm := range msg.(protocol.WorkerHeartbeat).Metrics {
					emitted += tm.AllTime.Emitted
				}
			}
		}
	}
	if emitted == 0 {
		t.Fatalf("got no emits in heartbeats within %s, want some", waitMax)
	}
	if got := runtime.NumGoroutine(); got <= before {
		t.Fatalf("got %d goroutines while running, want more than %d", got, before)
	}
	m.Step(now(), fromSup(protocol.WorkerAssign{Topology: "wc", Port: 6700, Epoch: 2, Assigned: false}))
	if !m.Exited() {
		t.Fatal("got a running worker after an unassignment, want it exited")
	}
	deadline = time.Now().Add(waitMax)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > before {
		t.Errorf("got %d goroutines after the worker exited, want at most %d", got, before)
	}
}
