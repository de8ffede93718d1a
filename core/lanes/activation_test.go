package lanes_test

import (
	"math/rand/v2"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/lanes"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/core/worker"
)

// activity counts what the stepped activity spout saw; everything runs on
// the test's goroutine.
var activity struct{ nexts, activations, deactivations int }

type activitySpout struct {
	task.BaseSpout
	out task.SpoutCollector
}

func (s *activitySpout) Open(_ *task.Context, out task.SpoutCollector) { s.out = out }
func (s *activitySpout) NextTuple() {
	activity.nexts++
	s.out.Emit("default", task.Values{int64(1)}, nil)
}
func (s *activitySpout) Activate()   { activity.activations++ }
func (s *activitySpout) Deactivate() { activity.deactivations++ }

type discardBolt struct{ task.BaseBolt }

func (discardBolt) Prepare(*task.Context, task.OutputCollector) {}
func (discardBolt) Execute(*task.Tuple)                         {}

func init() {
	task.RegisterSpout("steppedactivity.Spout", func() task.Spout { return &activitySpout{} })
	task.RegisterBolt("steppedactivity.Discard", func() task.Bolt { return discardBolt{} })
}

// statusSteps is how many simulator ticks each status of
// TestSteppedFollowsAssignmentStatus lasts: a second of virtual time.
const statusSteps = 100

// A worker running stepped lanes follows the topology status its
// assignment carries, as real lanes do (realnet/lanes'
// TestLanesFollowAssignmentStatus): started INACTIVE its spout is neither
// activated nor asked for tuples; ACTIVE it runs; KILLED (a kill's wait)
// it is deactivated once and calls NextTuple no more; ACTIVE again, it is
// activated again.
func TestSteppedFollowsAssignmentStatus(t *testing.T) {
	b := topology.NewBuilder("act")
	cfg := topology.DefaultConfig()
	cfg.Ackers = 0
	b.SetConfig(cfg)
	b.Spout("spout", "steppedactivity.Spout", 1).Output("default", "n")
	b.Bolt("discard", "steppedactivity.Discard", 1).ShuffleGrouping("spout")
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var tasks []core.TaskID
	for _, ids := range topology.ComponentTasks(topo) {
		tasks = append(tasks, ids...)
	}
	spec := core.WorkerSpec{Topology: "act", Supervisor: "s1", Port: 6700, Epoch: 1}
	m := worker.New(worker.Config{Spec: spec, Supervisor: "sup", Topology: topo,
		Rand: rand.New(rand.NewPCG(1, 2)), Plane: lanes.SteppedFactory(lanes.DefaultBounds)})
	defer m.Close()
	var now core.Time
	assign := func(epoch uint64, status string) {
		m.Step(now, core.Recv{From: "sup", Payload: protocol.EncodeMessage(protocol.WorkerAssign{
			Topology: "act", Port: 6700, Epoch: epoch, Assigned: true, Tasks: tasks, Status: status,
			Workers: []protocol.WorkerAssignment{{Supervisor: "s1", Port: 6700, Tasks: tasks}}})})
	}
	run := func() {
		for range statusSteps {
			now = now.Add(tickStep)
			m.Step(now, core.Tick{})
			m.Ready()
		}
	}
	activity = struct{ nexts, activations, deactivations int }{}
	assign(1, protocol.StatusInactive)
	run()
	if _, ok := m.Plane().(*lanes.Stepped); !ok {
		t.Fatalf("got plane %T, want *lanes.Stepped", m.Plane())
	}
	if activity.nexts != 0 || activity.activations != 0 {
		t.Fatalf("started INACTIVE: got %d NextTuple calls and %d activations, want none",
			activity.nexts, activity.activations)
	}
	assign(2, protocol.StatusActive)
	run()
	if activity.nexts == 0 || activity.activations != 1 {
		t.Fatalf("ACTIVE: got %d NextTuple calls and %d activations, want some and 1", activity.nexts, activity.activations)
	}
	assign(3, protocol.StatusKilled)
	run()
	before := activity.nexts
	run()
	if activity.nexts != before || activity.deactivations != 1 {
		t.Fatalf("KILLED: got NextTuple calls %d→%d and %d deactivations, want none and 1",
			before, activity.nexts, activity.deactivations)
	}
	assign(4, protocol.StatusActive)
	run()
	if activity.nexts == before || activity.activations != 2 {
		t.Fatalf("ACTIVE again: got NextTuple calls %d→%d and %d activations, want more and 2",
			before, activity.nexts, activity.activations)
	}
}
