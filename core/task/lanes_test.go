package task_test

import (
	"math/rand/v2"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// An executor may run a subset (a lane) of its worker's tasks: a tuple or
// acking message for a task of the same worker in another lane leaves
// through TakeRemote()[Local], unencoded, and Deliver takes it at the
// other lane. These tests run one executor per task and route between
// them by hand, as realnet/lanes does with goroutines.

// laneSet is one worker's tasks, one executor per task.
type laneSet struct {
	local int
	execs []*task.Executor
	owner map[core.TaskID]*task.Executor
	// remote counts what left for other workers; crossed what went between
	// lanes.
	remote, crossed int
}

func newLaneSet(t *testing.T, topo *topology.Topology, workerOf map[core.TaskID]int, local int) *laneSet {
	t.Helper()
	ls := &laneSet{local: local, owner: map[core.TaskID]*task.Executor{}}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tk := range topology.Tasks(topo) {
		if workerOf[tk.ID] != local {
			continue
		}
		e, err := task.NewExecutor(task.ExecutorConfig{Topology: topo, Tasks: []core.TaskID{tk.ID},
			WorkerOf: workerOf, Local: local, Rand: rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))})
		if err != nil {
			t.Fatal(err)
		}
		ls.execs = append(ls.execs, e)
		ls.owner[tk.ID] = e
	}
	return ls
}

// step steps every lane once and routes what crossed lanes.
func (ls *laneSet) step(t *testing.T, now core.Time) {
	for _, e := range ls.execs {
		e.Step(now, 4096)
		for w, out := range e.TakeRemote() {
			if w != ls.local {
				ls.remote += len(out)
				continue
			}
			for _, r := range out {
				dst := ls.owner[r.Dest]
				if dst == nil {
					t.Fatalf("got a lane message for task %d, which is not in worker %d", r.Dest, ls.local)
				}
				ls.crossed++
				dst.Deliver(r)
			}
		}
	}
}

func allOn(topo *topology.Topology, w int) map[core.TaskID]int {
	workerOf := map[core.TaskID]int{}
	for _, tk := range topology.Tasks(topo) {
		workerOf[tk.ID] = w
	}
	return workerOf
}

func lanePipeline(t *testing.T, ackers int) *topology.Topology {
	return pipelineTopology(t, "lanes", ackers)
}

func TestLanesDeliverOnceAndCompleteTrees(t *testing.T) {
	tests := []struct {
		name     string
		reliable bool
		ackers   int
	}{
		{"unanchored", false, 0},
		{"acked across lanes", true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const n = 1000
			spoutOpts, sinkModeNext = numbers{limit: n, reliable: tc.reliable}, sinkAck
			topo := lanePipeline(t, tc.ackers)
			ls := newLaneSet(t, topo, allOn(topo, 0), 0)
			for i := 0; i < 200 && (lastSink.seen < n || (tc.reliable && lastSpout.acked < n)); i++ {
				ls.step(t, core.Time(i))
			}
			if lastSink.seen != n {
				t.Errorf("got %d tuples at the sink, want %d (each exactly once)", lastSink.seen, n)
			}
			if tc.reliable && (lastSpout.acked != n || lastSpout.failed != 0) {
				t.Errorf("got acked=%d failed=%d, want %d acked, 0 failed", lastSpout.acked, lastSpout.failed, n)
			}
			if ls.remote != 0 || ls.crossed < 2*n {
				t.Errorf("got %d messages to other workers and %d across lanes, want 0 and at least %d",
					ls.remote, ls.crossed, 2*n)
			}
		})
	}
}

func TestLanesLocalOrShuffleStaysInWorker(t *testing.T) {
	b := topology.NewBuilder("local")
	cfg := topology.DefaultConfig()
	cfg.Ackers = 0
	b.SetConfig(cfg)
	b.Spout("numbers", "test.numbers", 1).Output("default", "n")
	b.Bolt("sink", "test.sink", 4).LocalOrShuffleGrouping("numbers")
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	// The spout and two sinks on worker 0, each in its own lane; two sinks
	// on worker 1.
	workerOf := allOn(topo, 0)
	comps := topology.ComponentTasks(topo)
	for _, id := range comps["sink"][2:] {
		workerOf[id] = 1
	}
	spoutOpts, sinkModeNext = numbers{limit: 500}, sinkAck
	ls := newLaneSet(t, topo, workerOf, 0)
	for i := range 10 {
		ls.step(t, core.Time(i))
	}
	if ls.remote != 0 || ls.crossed != 500 {
		t.Errorf("got %d tuples to worker 1 and %d across lanes, want 0 and 500", ls.remote, ls.crossed)
	}
	for _, id := range comps["sink"][:2] {
		if got := ls.owner[id].Stats().Executed; got == 0 {
			t.Errorf("got no tuple executed by local sink task %d, want some (both local lanes share)", id)
		}
	}
}

func TestSwapOutboxHandsOverLaneMessages(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{limit: 10}, sinkAck
	topo := lanePipeline(t, 0)
	ls := newLaneSet(t, topo, allOn(topo, 0), 0)
	spout := ls.execs[0] // the spout has the lowest task id
	spout.Step(0, 100)
	got := spout.SwapOutbox(0, make([]task.Remote, 0, 4))
	if len(got) != 10 {
		t.Fatalf("got %d messages from SwapOutbox, want 10", len(got))
	}
	if n := len(spout.TakeRemote()[0]); n != 0 {
		t.Errorf("got %d messages left for TakeRemote, want 0", n)
	}
	spout.Step(1, 100) // nothing more to emit
	if again := spout.SwapOutbox(0, nil); len(again) != 0 {
		t.Errorf("got %d messages from a second SwapOutbox, want 0", len(again))
	}
	for i, r := range got {
		if r.Dest != got[0].Dest || r.Worker != 0 {
			t.Errorf("message %d: got worker %d task %d, want worker 0 task %d", i, r.Worker, r.Dest, got[0].Dest)
		}
	}
}
