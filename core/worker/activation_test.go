package worker_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/core/worker"
)

// activitySpout emits an unanchored tuple per NextTuple and counts its
// activations; lastActivity is the latest instance.
type activitySpout struct {
	task.BaseSpout
	out                        task.SpoutCollector
	activations, deactivations int
	nexts                      int64
}

var lastActivity *activitySpout

func (s *activitySpout) Open(_ *task.Context, out task.SpoutCollector) { s.out = out }
func (s *activitySpout) NextTuple() {
	s.nexts++
	s.out.Emit("default", task.Values{s.nexts}, nil)
}
func (s *activitySpout) Activate()   { s.activations++ }
func (s *activitySpout) Deactivate() { s.deactivations++ }

type dropBolt struct{ task.BaseBolt }

func (dropBolt) Prepare(*task.Context, task.OutputCollector) {}
func (dropBolt) Execute(*task.Tuple)                         {}

func init() {
	task.RegisterSpout("workertest.Activity", func() task.Spout {
		lastActivity = &activitySpout{}
		return lastActivity
	})
	task.RegisterBolt("workertest.Drop", func() task.Bolt { return dropBolt{} })
}

func activityTopology(t *testing.T) (*topology.Topology, []core.TaskID) {
	t.Helper()
	b := topology.NewBuilder("wc")
	cfg := topology.DefaultConfig()
	cfg.Ackers = 0
	b.SetConfig(cfg)
	b.Spout("numbers", "workertest.Activity", 1).Output("default", "n")
	b.Bolt("drop", "workertest.Drop", 1).ShuffleGrouping("numbers")
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var ids []core.TaskID
	for _, tk := range topology.Tasks(topo) {
		ids = append(ids, tk.ID)
	}
	return topo, ids
}

// The spouts follow the topology status their assignment carries: an
// INACTIVE, KILLED or REBALANCING topology calls no NextTuple, an ACTIVE
// one does, and Activate and Deactivate are called on changes only, on the
// same spout instance (a status change does not rebuild the tasks).
func TestSpoutsFollowAssignmentStatus(t *testing.T) {
	topo, tasks := activityTopology(t)
	spec := core.WorkerSpec{Topology: "wc", Supervisor: "s1", Port: 6700, Epoch: 1}
	m := worker.New(worker.Config{Spec: spec, Supervisor: "sup", Topology: topo, Rand: rand.New(rand.NewPCG(1, 2))})
	now := core.Time(0)
	assign := func(epoch uint64, status string) {
		m.Step(now, core.Recv{From: "sup", Payload: protocol.EncodeMessage(protocol.WorkerAssign{
			Topology: "wc", Port: 6700, Epoch: epoch, Assigned: true, Tasks: tasks, Status: status,
			Workers: []protocol.WorkerAssignment{{Supervisor: "s1", Port: 6700, Tasks: tasks}}})})
	}
	ticks := func() int64 {
		before := lastActivity.nexts
		for range 20 {
			now = now.Add(10 * time.Millisecond)
			m.Step(now, core.Tick{})
			m.Ready()
		}
		return lastActivity.nexts - before
	}
	assign(1, protocol.StatusInactive)
	s := lastActivity
	if n := ticks(); n != 0 || s.activations != 0 || m.SpoutsActive() {
		t.Fatalf("started INACTIVE: got %d NextTuple calls, %d activations, active=%v; want 0, 0, false",
			n, s.activations, m.SpoutsActive())
	}
	steps := []struct {
		status             string
		wantRun            bool
		wantAct, wantDeact int
	}{
		{protocol.StatusActive, true, 1, 0},
		{protocol.StatusKilled, false, 1, 1},
		{protocol.StatusRebalancing, false, 1, 1},
		{protocol.StatusActive, true, 2, 1},
		{protocol.StatusActive, true, 2, 1},
		{protocol.StatusInactive, false, 2, 2},
	}
	for i, st := range steps {
		assign(uint64(i+2), st.status)
		n := ticks()
		if lastActivity != s {
			t.Fatalf("%s: got a new spout instance, want the tasks kept", st.status)
		}
		if (n > 0) != st.wantRun || s.activations != st.wantAct || s.deactivations != st.wantDeact {
			t.Fatalf("step %d, %s: got %d NextTuple calls, %d activations, %d deactivations; "+
				"want running=%v, %d, %d", i, st.status, n, s.activations, s.deactivations, st.wantRun, st.wantAct, st.wantDeact)
		}
		if m.Status() != st.status {
			t.Fatalf("step %d: got status %q, want %q", i, m.Status(), st.status)
		}
	}
}

// With peers, the spouts wait for both: every peer heard and the topology
// ACTIVE. A peer's answer does not activate the spouts of an INACTIVE
// topology.
func TestPeersHeardDoNotActivateAnInactiveTopology(t *testing.T) {
	topo, _ := activityTopology(t)
	spec := core.WorkerSpec{Topology: "wc", Supervisor: "s1", Port: 6700, Epoch: 1}
	m := worker.New(worker.Config{Spec: spec, Supervisor: "sup", Topology: topo, Rand: rand.New(rand.NewPCG(1, 2))})
	comps := topology.ComponentTasks(topo)
	mine := comps["numbers"] // the spout here, the bolt on the peer
	workers := []protocol.WorkerAssignment{{Supervisor: "s1", Port: 6700, Tasks: mine},
		{Supervisor: "s2", Port: 6700, Tasks: comps["drop"]}}
	lastActivity = nil
	now := core.Time(0)
	assign := func(epoch uint64, status string) {
		m.Step(now, core.Recv{From: "sup", Payload: protocol.EncodeMessage(protocol.WorkerAssign{
			Topology: "wc", Port: 6700, Epoch: epoch, Assigned: true, Tasks: mine, Status: status,
			Workers: workers})})
	}
	assign(1, protocol.StatusInactive)
	if lastActivity == nil {
		t.Fatal("got no spout instance, want the worker to run the spout task")
	}
	empty, err := task.AppendBatch([]byte{worker.DataPrefix}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Step(0, core.Recv{From: protocol.WorkerNode("s2", 6700), Payload: empty})
	for range 10 {
		now = now.Add(10 * time.Millisecond)
		m.Step(now, core.Tick{})
	}
	if lastActivity.nexts != 0 || lastActivity.activations != 0 {
		t.Fatalf("peer heard, INACTIVE: got %d NextTuple calls and %d activations, want none",
			lastActivity.nexts, lastActivity.activations)
	}
	assign(2, protocol.StatusActive)
	m.Step(now.Add(time.Second), core.Tick{})
	if lastActivity.nexts == 0 || lastActivity.activations != 1 {
		t.Fatalf("peer heard, ACTIVE: got %d NextTuple calls and %d activations, want some and 1",
			lastActivity.nexts, lastActivity.activations)
	}
}
