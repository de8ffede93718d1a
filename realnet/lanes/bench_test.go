package lanes_test

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/realnet/lanes"
)

// Benchmark components: a spout of constant tuples, a pass-through bolt and
// a sink counting into benchSeen (atomic: it runs on a lane's goroutine).
var benchSeen atomic.Int64

type benchSpout struct {
	task.BaseSpout
	out      task.SpoutCollector
	vals     task.Values
	reliable bool
	n        int64
}

func (s *benchSpout) Open(ctx *task.Context, out task.SpoutCollector) {
	s.out, s.vals, s.reliable = out, task.Values{int64(7)}, ctx.Config["reliable"] == "true"
}

func (s *benchSpout) NextTuple() {
	if s.reliable {
		s.n++
		s.out.Emit(topology.DefaultStream, s.vals, s.n)
		return
	}
	s.out.Emit(topology.DefaultStream, s.vals, nil)
}

// benchWork is a pass-through bolt that first does about a microsecond of
// CPU work per tuple (hashing), as a bolt that parses or enriches does.
type benchWork struct{ examples.Relay }

// benchWorkRounds is the hashing work per tuple.
const benchWorkRounds = 400

var benchWorkSink atomic.Uint64 // keeps the work from being optimized away

func (w *benchWork) Execute(t *task.Tuple) {
	h := uint64(14695981039346656037)
	for i := range benchWorkRounds {
		h = (h ^ uint64(i)) * 1099511628211
	}
	if h == 0 {
		benchWorkSink.Add(1)
	}
	w.Relay.Execute(t)
}

type benchSink struct {
	task.BaseBolt
	out task.OutputCollector
}

func (s *benchSink) Prepare(_ *task.Context, out task.OutputCollector) { s.out = out }
func (s *benchSink) Execute(t *task.Tuple)                             { benchSeen.Add(1); s.out.Ack(t) }

func init() {
	task.RegisterSpout("lanesbench.Spout", func() task.Spout { return &benchSpout{} })
	task.RegisterBolt("lanesbench.Sink", func() task.Bolt { return &benchSink{} })
	task.RegisterBolt("lanesbench.Work", func() task.Bolt { return &benchWork{} })
}

// benchTopology is spout → pass → sink (shuffle), parallelism each, in one
// worker; reliable adds one acker and 10 000 pending trees per spout.
func benchTopology(b *testing.B, parallelism int, reliable bool, passType string) (*topology.Topology, task.ExecutorConfig) {
	tb := topology.NewBuilder("bench")
	cfg := topology.DefaultConfig()
	cfg.Workers = 1
	cfg.Ackers = 0
	rel := "false"
	if reliable {
		cfg.Ackers, cfg.MaxSpoutPending, rel = 1, 10_000, "true"
	}
	tb.SetConfig(cfg)
	tb.Spout("spout", "lanesbench.Spout", parallelism).Output(topology.DefaultStream, "n").Config("reliable", rel)
	tb.Bolt("pass", passType, parallelism).ShuffleGrouping("spout").Output(topology.DefaultStream, "n")
	tb.Bolt("sink", "lanesbench.Sink", parallelism).ShuffleGrouping("pass")
	topo, err := tb.Build()
	if err != nil {
		b.Fatal(err)
	}
	return topo, task.ExecutorConfig{Topology: topo, Tasks: taskIDs(topo), WorkerOf: placement(topo, 1),
		Rand: rand.New(rand.NewPCG(1, 2))}
}

// benchSingle steps one executor with every task, as the worker machine does.
func benchSingle(b *testing.B, parallelism int, reliable bool, passType string) {
	_, cfg := benchTopology(b, parallelism, reliable, passType)
	e, err := task.NewExecutor(cfg)
	if err != nil {
		b.Fatal(err)
	}
	benchSeen.Store(0)
	b.ResetTimer()
	now := core.Time(0)
	for benchSeen.Load() < int64(b.N) {
		now++
		e.Step(now, 4096)
	}
	b.StopTimer()
	b.ReportMetric(float64(benchSeen.Load())/b.Elapsed().Seconds(), "tuples/s")
}

// benchLanes runs the same tasks one goroutine each.
func benchLanes(b *testing.B, parallelism int, reliable bool, passType string) {
	_, cfg := benchTopology(b, parallelism, reliable, passType)
	p, err := lanes.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	benchSeen.Store(0)
	b.ResetTimer()
	p.Step(0, 0)
	for benchSeen.Load() < int64(b.N) {
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(benchSeen.Load())/b.Elapsed().Seconds(), "tuples/s")
}

// BenchmarkLanesSingleNoAck and BenchmarkLanesTaskNoAck compare one
// executor with one goroutine per task on spout → pass → sink, no acking;
// the Ack pair acks every tuple through one acker; the P2 variants run two
// tasks of each component; the Work variants give the middle bolt about a
// microsecond of CPU work per tuple, where lanes can use every core.
func BenchmarkLanesSingleNoAck(b *testing.B)       { benchSingle(b, 1, false, examples.TypeRelay) }
func BenchmarkLanesTaskNoAck(b *testing.B)         { benchLanes(b, 1, false, examples.TypeRelay) }
func BenchmarkLanesSingleAck(b *testing.B)         { benchSingle(b, 1, true, examples.TypeRelay) }
func BenchmarkLanesTaskAck(b *testing.B)           { benchLanes(b, 1, true, examples.TypeRelay) }
func BenchmarkLanesSingleNoAckP2(b *testing.B)     { benchSingle(b, 2, false, examples.TypeRelay) }
func BenchmarkLanesTaskNoAckP2(b *testing.B)       { benchLanes(b, 2, false, examples.TypeRelay) }
func BenchmarkLanesSingleWorkP2(b *testing.B)      { benchSingle(b, 2, true, "lanesbench.Work") }
func BenchmarkLanesTaskWorkP2(b *testing.B)        { benchLanes(b, 2, true, "lanesbench.Work") }
func BenchmarkLanesSingleWorkNoAckP2(b *testing.B) { benchSingle(b, 2, false, "lanesbench.Work") }
func BenchmarkLanesTaskWorkNoAckP2(b *testing.B)   { benchLanes(b, 2, false, "lanesbench.Work") }
