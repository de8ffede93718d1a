package task_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// Test components: a spout of numbered tuples, a pass-through bolt, a
// counting sink, and a bolt that fails every tuple it sees.
type numbers struct {
	task.BaseSpout
	out      task.SpoutCollector
	n, limit int64
	reliable bool
	vals     task.Values
	acked    int64
	failed   int64
	// activations and deactivations count Activate and Deactivate calls.
	activations, deactivations int
}

func (s *numbers) Open(_ *task.Context, out task.SpoutCollector) {
	s.out, s.vals = out, task.Values{int64(7)}
}

func (s *numbers) NextTuple() {
	if s.limit > 0 && s.n >= s.limit {
		return
	}
	s.n++
	if s.reliable {
		s.out.Emit("default", s.vals, s.n)
		return
	}
	s.out.Emit("default", s.vals, nil)
}
func (s *numbers) Ack(any)     { s.acked++ }
func (s *numbers) Fail(any)    { s.failed++ }
func (s *numbers) Activate()   { s.activations++ }
func (s *numbers) Deactivate() { s.deactivations++ }

type pass struct {
	task.BaseBolt
	out    task.OutputCollector
	anchor []*task.Tuple
}

func (p *pass) Prepare(_ *task.Context, out task.OutputCollector) {
	p.out, p.anchor = out, make([]*task.Tuple, 1)
}
func (p *pass) Execute(t *task.Tuple) {
	p.anchor[0] = t
	p.out.Emit("default", p.anchor, t.Values)
	p.out.Ack(t)
}

type sink struct {
	task.BaseBolt
	out  task.OutputCollector
	seen int64
	mode sinkMode
}

type sinkMode uint8

const (
	sinkAck  sinkMode = iota
	sinkFail          // fails every tuple
	sinkHold          // neither acks nor fails: the tree times out
)

func (s *sink) Prepare(_ *task.Context, out task.OutputCollector) { s.out = out }
func (s *sink) Execute(t *task.Tuple) {
	s.seen++
	switch s.mode {
	case sinkFail:
		s.out.Fail(t)
	case sinkAck:
		s.out.Ack(t)
	}
}

var (
	lastSpout    *numbers
	lastSink     *sink
	spoutOpts    numbers
	sinkModeNext sinkMode
)

func init() {
	task.RegisterSpout("test.numbers", func() task.Spout {
		s := spoutOpts
		lastSpout = &s
		return lastSpout
	})
	task.RegisterBolt("test.pass", func() task.Bolt { return &pass{} })
	task.RegisterBolt("test.sink", func() task.Bolt { lastSink = &sink{mode: sinkModeNext}; return lastSink })
}

// pipelineTopology is spout → pass → sink, one task each.
func pipelineTopology(t testing.TB, name string, ackers int) *topology.Topology {
	t.Helper()
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Ackers = ackers
	cfg.MessageTimeout = 10 * time.Second
	b.SetConfig(cfg)
	b.Spout("numbers", "test.numbers", 1).Output("default", "n")
	b.Bolt("pass", "test.pass", 1).ShuffleGrouping("numbers").Output("default", "n")
	b.Bolt("sink", "test.sink", 1).ShuffleGrouping("pass")
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

// pipeline builds spout → pass → sink in one worker.
func pipeline(t testing.TB, ackers int) *task.Executor {
	return pipelineWith(t, ackers, false)
}

// pipelineWith is pipeline, its spouts opened inactive when inactive is set.
func pipelineWith(t testing.TB, ackers int, inactive bool) *task.Executor {
	topo := pipelineTopology(t, "pipe", ackers)
	var ids []core.TaskID
	workerOf := map[core.TaskID]int{}
	for _, tk := range topology.Tasks(topo) {
		ids = append(ids, tk.ID)
		workerOf[tk.ID] = 0
	}
	e, err := task.NewExecutor(task.ExecutorConfig{Topology: topo, Tasks: ids, WorkerOf: workerOf,
		Rand: rand.New(rand.NewPCG(1, 2)), Inactive: inactive})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestPipelineAcksEveryTree(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{limit: 1000, reliable: true}, sinkAck
	e := pipeline(t, 1)
	for i := 0; i < 100 && lastSpout.acked < 1000; i++ {
		e.Step(core.Time(i), 10_000)
	}
	if lastSpout.acked != 1000 || lastSpout.failed != 0 || lastSink.seen != 1000 {
		t.Errorf("got acked=%d failed=%d seen=%d, want 1000 acked, 0 failed, 1000 seen",
			lastSpout.acked, lastSpout.failed, lastSink.seen)
	}
}

func TestPipelineFailReachesSpout(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{limit: 10, reliable: true}, sinkFail
	e := pipeline(t, 1)
	e.Step(0, 1000)
	if lastSpout.failed != 10 || lastSpout.acked != 0 {
		t.Errorf("got failed=%d acked=%d, want 10 failed, 0 acked", lastSpout.failed, lastSpout.acked)
	}
}

func TestPipelineTimeoutFailsSilentTrees(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{limit: 5, reliable: true}, sinkHold
	e := pipeline(t, 1)
	e.Step(0, 1000)
	if lastSpout.failed != 0 {
		t.Fatalf("got failed=%d before the timeout, want 0", lastSpout.failed)
	}
	for s := 1; s <= 4; s++ {
		e.Step(core.Time(0).Add(time.Duration(s)*6*time.Second), 1000)
	}
	if lastSpout.failed != 5 {
		t.Errorf("got failed=%d after the message timeout passed, want 5", lastSpout.failed)
	}
}

func TestNoAckersAcksAtEmit(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{limit: 10, reliable: true}, sinkAck
	e := pipeline(t, 0)
	e.Step(0, 1000)
	if lastSpout.acked != 10 {
		t.Errorf("got acked=%d with zero ackers, want 10 (acked right after emit)", lastSpout.acked)
	}
}

func benchPipeline(b *testing.B, reliable bool) {
	spoutOpts, sinkModeNext = numbers{reliable: reliable}, sinkAck
	ackers := 0
	if reliable {
		ackers = 1
	}
	e := pipeline(b, ackers)
	b.ReportAllocs()
	b.ResetTimer()
	now := core.Time(0)
	for lastSink.seen < int64(b.N) {
		now++
		e.Step(now, 4096)
	}
	b.StopTimer()
	b.ReportMetric(float64(lastSink.seen)/b.Elapsed().Seconds(), "tuples/s")
}

// BenchmarkWorkerPipelineNoAck: spout → bolt → bolt in one worker, no acking.
func BenchmarkWorkerPipelineNoAck(b *testing.B) { benchPipeline(b, false) }

// BenchmarkWorkerPipelineAck: the same with acking through one acker task.
func BenchmarkWorkerPipelineAck(b *testing.B) { benchPipeline(b, true) }

// Storm's activation contract: a spout opened inactive gets neither
// Activate nor NextTuple; SetActive calls Activate or Deactivate on a
// change only; an inactive spout calls no NextTuple, while the trees it
// emitted before still complete and reach its Ack.
func TestSpoutActivationOnTransitionsOnly(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{reliable: true}, sinkAck
	e := pipelineWith(t, 1, true)
	s := lastSpout
	now := core.Time(0)
	steps := func(n int) {
		for range n {
			now += core.Time(time.Millisecond)
			e.Step(now, 1000)
		}
	}
	steps(10)
	if s.activations != 0 || s.n != 0 || e.Stats().NextTuples != 0 {
		t.Fatalf("opened inactive: got %d activations, %d emitted, %d NextTuple calls; want none",
			s.activations, s.n, e.Stats().NextTuples)
	}
	e.SetActive(true)
	e.SetActive(true)
	steps(10)
	if s.activations != 1 || s.n == 0 {
		t.Fatalf("activated twice: got %d activations and %d emitted, want 1 and some", s.activations, s.n)
	}
	e.SetActive(false)
	e.SetActive(false)
	emitted, calls := s.n, e.Stats().NextTuples
	steps(50)
	if s.deactivations != 1 || s.n != emitted || e.Stats().NextTuples != calls {
		t.Fatalf("deactivated: got %d deactivations, emitted %d→%d, NextTuple calls %d→%d; want 1, no change",
			s.deactivations, emitted, s.n, calls, e.Stats().NextTuples)
	}
	if s.acked != s.n {
		t.Fatalf("deactivated: got %d of %d trees acked, want all: acking goes on", s.acked, s.n)
	}
	e.SetActive(true)
	steps(10)
	if s.activations != 2 || s.n == emitted {
		t.Fatalf("reactivated: got %d activations and emitted %d→%d, want 2 and more", s.activations, emitted, s.n)
	}
}

// An executor opened active (the default) activates its spouts once, at
// open, before any NextTuple.
func TestSpoutActivatedAtOpenByDefault(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{limit: 10}, sinkAck
	e := pipeline(t, 1)
	if lastSpout.activations != 1 {
		t.Fatalf("got %d activations at open, want 1", lastSpout.activations)
	}
	e.Step(1, 1000)
	if lastSpout.n == 0 || lastSpout.activations != 1 || lastSpout.deactivations != 0 {
		t.Fatalf("got %d emitted, %d activations, %d deactivations; want some, 1, 0",
			lastSpout.n, lastSpout.activations, lastSpout.deactivations)
	}
}
