package task

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

// floodSpout is always ready to emit and counts the verdicts it hears.
type floodSpout struct {
	BaseSpout
	out           SpoutCollector
	n             int64
	acked, failed int64
}

func (s *floodSpout) Open(_ *Context, out SpoutCollector) { s.out = out }
func (s *floodSpout) NextTuple()                          { s.n++; s.out.Emit("default", Values{int64(1)}, s.n) }
func (s *floodSpout) Ack(any)                             { s.acked++ }
func (s *floodSpout) Fail(any)                            { s.failed++ }

type farBolt struct{ BaseBolt }

func (farBolt) Prepare(*Context, OutputCollector) {}
func (farBolt) Execute(*Tuple)                    {}

func init() {
	RegisterSpout("test.flood", func() Spout { return &floodSpout{} })
	RegisterBolt("test.far", func() Bolt { return farBolt{} })
}

// floodExecutor runs the flood spout alone on worker 0; its bolt and its
// acker are on worker 1, so every verdict arrives by Deliver.
func floodExecutor(t *testing.T) (*Executor, *floodSpout, core.TaskID) {
	b := topology.NewBuilder("flood")
	cfg := topology.DefaultConfig()
	cfg.Ackers, cfg.MessageTimeout = 1, time.Hour
	b.SetConfig(cfg)
	b.Spout("flood", "test.flood", 1).Output("default", "n")
	b.Bolt("far", "test.far", 1).ShuffleGrouping("flood")
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	comps := topology.ComponentTasks(topo)
	spout := comps["flood"][0]
	workerOf := map[core.TaskID]int{}
	for _, tk := range topology.Tasks(topo) {
		workerOf[tk.ID] = 1
	}
	workerOf[spout] = 0
	e, err := NewExecutor(ExecutorConfig{Topology: topo, Tasks: []core.TaskID{spout}, WorkerOf: workerOf,
		Rand: rand.New(rand.NewPCG(3, 4))})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.Spout(spout).(*floodSpout), spout
}

// emitRoots steps the executor until the spout has emitted at least n
// reliable tuples, and returns their roots from the acking inits sent.
func emitRoots(e *Executor, n int) []uint64 {
	var roots []uint64
	for step := 0; len(roots) < n; step++ {
		e.Step(core.Time(step), stepBudgetTest)
		for _, out := range e.TakeRemote() {
			for _, m := range out {
				if m.Ack.Kind == ackInit {
					roots = append(roots, m.Ack.Root)
				}
			}
		}
	}
	return roots
}

const stepBudgetTest = 4096

// A flood of completions waits in the spout's ack queue: each Step hands
// over a bounded share of it and still calls NextTuple, and every
// completion is handed over in the end.
func TestAckFloodDoesNotStarveNextTuple(t *testing.T) {
	e, s, spout := floodExecutor(t)
	roots := emitRoots(e, 4*stepBudgetTest)
	for _, root := range roots {
		e.Deliver(Remote{Dest: spout, Ack: ackMsg{Kind: ackDone, Root: root}})
	}
	if s.acked != 0 {
		t.Fatalf("got %d acks handed over during Deliver, want 0 (queued for Step)", s.acked)
	}
	for step := 1; s.acked < int64(len(roots)); step++ {
		if step > len(roots)/ackBurst+1 {
			t.Fatalf("got %d of %d acks handed over after %d steps, want all", s.acked, len(roots), step-1)
		}
		acked, emitted := s.acked, s.n
		e.Step(core.Time(1000+step), stepBudgetTest)
		e.TakeRemote()
		if got := s.acked - acked; got <= 0 || got > stepBudgetTest {
			t.Fatalf("step %d: got %d acks handed over, want 1..%d", step, got, stepBudgetTest)
		}
		if s.acked < int64(len(roots)) && s.n == emitted {
			t.Fatalf("step %d: got no NextTuple emit with %d acks still queued, want the spout to keep emitting",
				step, int64(len(roots))-s.acked)
		}
	}
	if s.failed != 0 || e.Stats().AcksInline != 0 {
		t.Errorf("got %d fails and %d inline acks, want 0 and 0", s.failed, e.Stats().AcksInline)
	}
}

// A spout that always has a tuple ready never starves its acks: every Step
// hands over queued completions first.
func TestNextTupleDoesNotStarveAcks(t *testing.T) {
	e, s, spout := floodExecutor(t)
	roots := emitRoots(e, 2*ackBurst)
	for i, root := range roots {
		e.Deliver(Remote{Dest: spout, Ack: ackMsg{Kind: ackDone, Root: root, Failed: i%2 == 1}})
	}
	e.Step(core.Time(5000), stepBudgetTest)
	if s.acked+s.failed != int64(len(roots)) {
		t.Errorf("got %d acks and %d fails after one step, want all %d verdicts handed over", s.acked, s.failed, len(roots))
	}
	if s.failed != int64(len(roots)/2) {
		t.Errorf("got %d fails, want %d", s.failed, len(roots)/2)
	}
}

// A full ack queue hands a completion over at once rather than drop it.
func TestAckQueueFullHandsOverInline(t *testing.T) {
	e, s, spout := floodExecutor(t)
	roots := emitRoots(e, AckQueueMax+10)
	for _, root := range roots {
		e.Deliver(Remote{Dest: spout, Ack: ackMsg{Kind: ackDone, Root: root}})
	}
	want := int64(len(roots) - AckQueueMax)
	if s.acked != want || e.Stats().AcksInline != want || e.Stats().AckQueueMax != AckQueueMax {
		t.Errorf("got %d acked, %d inline, queue max %d; want %d, %d, %d",
			s.acked, e.Stats().AcksInline, e.Stats().AckQueueMax, want, want, AckQueueMax)
	}
}
