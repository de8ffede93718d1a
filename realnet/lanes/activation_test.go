package lanes_test

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/realnet/lanes"
)

// activity counts what the lanes' activity spout saw; its calls run on the
// spout's lane goroutine, the test reads them on its own.
var activity struct{ nexts, activations, deactivations atomic.Int64 }

type activitySpout struct {
	task.BaseSpout
	out task.SpoutCollector
}

func (s *activitySpout) Open(_ *task.Context, out task.SpoutCollector) { s.out = out }
func (s *activitySpout) NextTuple() {
	activity.nexts.Add(1)
	s.out.Emit("default", task.Values{int64(1)}, nil)
}
func (s *activitySpout) Activate()   { activity.activations.Add(1) }
func (s *activitySpout) Deactivate() { activity.deactivations.Add(1) }

type discardBolt struct{ task.BaseBolt }

func (discardBolt) Prepare(*task.Context, task.OutputCollector) {}
func (discardBolt) Execute(*task.Tuple)                         {}

func init() {
	task.RegisterSpout("lanesactivity.Spout", func() task.Spout { return &activitySpout{} })
	task.RegisterBolt("lanesactivity.Discard", func() task.Bolt { return discardBolt{} })
}

// A worker running lanes follows the topology status its assignment
// carries: started INACTIVE its spout is neither activated nor asked for
// tuples; ACTIVE it runs; KILLED (a kill's wait) it is deactivated once and
// calls NextTuple no more.
func TestLanesFollowAssignmentStatus(t *testing.T) {
	b := topology.NewBuilder("act")
	cfg := topology.DefaultConfig()
	cfg.Ackers = 0
	b.SetConfig(cfg)
	b.Spout("spout", "lanesactivity.Spout", 1).Output("default", "n")
	b.Bolt("discard", "lanesactivity.Discard", 1).ShuffleGrouping("spout")
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	tasks := taskIDs(topo)
	spec := core.WorkerSpec{Topology: "act", Supervisor: "s1", Port: 6700, Epoch: 1}
	m := worker.New(worker.Config{Spec: spec, Supervisor: "sup", Topology: topo,
		Rand: rand.New(rand.NewPCG(1, 2)), Plane: lanes.Factory()})
	defer m.Close()
	start := time.Now()
	now := func() core.Time { return core.Time(time.Since(start)) }
	assign := func(epoch uint64, status string) {
		m.Step(now(), core.Recv{From: "sup", Payload: protocol.EncodeMessage(protocol.WorkerAssign{
			Topology: "act", Port: 6700, Epoch: epoch, Assigned: true, Tasks: tasks, Status: status,
			Workers: []protocol.WorkerAssignment{{Supervisor: "s1", Port: 6700, Tasks: tasks}}})})
	}
	// run steps the machine for d, or until done holds.
	run := func(d time.Duration, done func() bool) bool {
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			m.Step(now(), core.Tick{})
			m.Ready()
			if done != nil && done() {
				return true
			}
			time.Sleep(5 * time.Millisecond)
		}
		return false
	}
	activity.nexts.Store(0)
	activity.activations.Store(0)
	activity.deactivations.Store(0)
	assign(1, protocol.StatusInactive)
	run(100*time.Millisecond, nil)
	if n, a := activity.nexts.Load(), activity.activations.Load(); n != 0 || a != 0 {
		t.Fatalf("started INACTIVE: got %d NextTuple calls and %d activations, want none", n, a)
	}
	assign(2, protocol.StatusActive)
	if !run(waitMax, func() bool { return activity.nexts.Load() > 0 }) {
		t.Fatalf("ACTIVE: got no NextTuple call within %s", waitMax)
	}
	assign(3, protocol.StatusKilled)
	if !run(waitMax, func() bool { return activity.deactivations.Load() > 0 }) {
		t.Fatalf("KILLED: got no Deactivate within %s", waitMax)
	}
	before := activity.nexts.Load()
	run(100*time.Millisecond, nil)
	if n := activity.nexts.Load(); n != before {
		t.Fatalf("KILLED: got NextTuple calls %d→%d after Deactivate, want none", before, n)
	}
	if a, d := activity.activations.Load(), activity.deactivations.Load(); a != 1 || d != 1 {
		t.Fatalf("got %d activations and %d deactivations, want 1 and 1", a, d)
	}
}
