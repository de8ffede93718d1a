package task_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// Task ids of pipelineTopology's components: the acker is task 1.
const (
	spoutTask core.TaskID = 2
	passTask  core.TaskID = 3
	sinkTask  core.TaskID = 4
)

// metricsPipeline is pipeline with every event sampled, the sink costing
// sinkCost units per Execute, and cfg's Clock and UnitTime. The executor is
// worker 0; the acker runs in worker ackerWorker[0] (default 0).
func metricsPipeline(t *testing.T, sinkCost string, cfg task.ExecutorConfig, ackerWorker ...int) *task.Executor {
	t.Helper()
	b := topology.NewBuilder("pipe")
	tc := topology.DefaultConfig()
	tc.Ackers = 1
	tc.MessageTimeout = 10 * time.Second
	tc.StatsSampleRate = 1
	b.SetConfig(tc)
	b.Spout("numbers", "test.numbers", 1).Output("default", "n")
	b.Bolt("pass", "test.pass", 1).ShuffleGrouping("numbers").Output("default", "n")
	b.Bolt("sink", "test.sink", 1).ShuffleGrouping("pass").Config(task.CostConfig, sinkCost)
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Topology, cfg.WorkerOf, cfg.Rand = topo, map[core.TaskID]int{}, rand.New(rand.NewPCG(1, 2))
	for _, tk := range topology.Tasks(topo) {
		if tk.Component == topology.AckerComponent && len(ackerWorker) > 0 && ackerWorker[0] != 0 {
			cfg.WorkerOf[tk.ID] = ackerWorker[0]
			continue
		}
		cfg.Tasks = append(cfg.Tasks, tk.ID)
		cfg.WorkerOf[tk.ID] = 0
	}
	e, err := task.NewExecutor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Component(sinkTask); got != "sink" {
		t.Fatalf("task %d: got component %q, want sink", sinkTask, got)
	}
	return e
}

// totals is a task's stats summed over its streams in period p at now.
func totals(e *task.Executor, id core.TaskID, now core.Time, p metrics.Period) metrics.StreamStats {
	return e.Metrics(id).Snapshot(now, p).Total()
}

// TestTimeoutCountsAsFailed: trees that time out count as failed for the
// spout in every window, as Storm counts them: whether the acker times
// them out (the sink neither acks nor fails) or the spout does (the acker
// runs in a worker that never answers, as when it died).
func TestTimeoutCountsAsFailed(t *testing.T) {
	for _, tt := range []struct {
		name        string
		ackerWorker int
	}{{"acker-timeout", 0}, {"acker-lost", 1}} {
		t.Run(tt.name, func(t *testing.T) {
			spoutOpts, sinkModeNext = numbers{limit: 5, reliable: true}, sinkHold
			e := metricsPipeline(t, "1", task.ExecutorConfig{}, tt.ackerWorker)
			var now core.Time
			for s := 0; s <= 4; s++ {
				now = core.Time(0).Add(time.Duration(s) * 6 * time.Second)
				e.Step(now, 1000)
				e.TakeRemote() // lost: nothing reaches worker 1
			}
			if lastSpout.failed != 5 {
				t.Fatalf("got %d Fail calls after the timeout, want 5", lastSpout.failed)
			}
			for _, p := range metrics.Periods() {
				if got := totals(e, spoutTask, now, p); got.Failed != 5 || got.Acked != 0 {
					t.Errorf("window %s: got spout failed=%d acked=%d, want 5 failed, 0 acked", p, got.Failed, got.Acked)
				}
			}
		})
	}
}

// TestBoltAckedAndFailedCounted: a bolt's Ack and Fail count in its own
// acked and failed, as Storm counts them per bolt.
func TestBoltAckedAndFailedCounted(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{limit: 100, reliable: true}, sinkAck
	e := metricsPipeline(t, "1", task.ExecutorConfig{})
	e.Step(0, 10_000)
	for _, id := range []core.TaskID{passTask, sinkTask} {
		got := totals(e, id, 0, metrics.AllTime)
		if got.Acked != 100 || got.Executed != 100 || got.Failed != 0 {
			t.Errorf("task %d: got acked=%d executed=%d failed=%d, want 100, 100, 0", id, got.Acked, got.Executed, got.Failed)
		}
	}
	if got := totals(e, spoutTask, 0, metrics.AllTime); got.Acked != 100 {
		t.Errorf("spout: got acked=%d, want 100", got.Acked)
	}

	spoutOpts, sinkModeNext = numbers{limit: 10, reliable: true}, sinkFail
	e = metricsPipeline(t, "1", task.ExecutorConfig{})
	e.Step(0, 10_000)
	if got := totals(e, sinkTask, 0, metrics.Last10m); got.Failed != 10 || got.Acked != 0 {
		t.Errorf("failing sink: got failed=%d acked=%d, want 10, 0", got.Failed, got.Acked)
	}
	if got := totals(e, spoutTask, 0, metrics.Last10m); got.Failed != 10 {
		t.Errorf("spout of the failing sink: got failed=%d, want 10", got.Failed)
	}
}

// TestLatenciesCostModel: without a clock, the cost model gives an
// Execute of cost c the time c × UnitTime, and the latencies and capacity
// follow from it rather than reading 0.
func TestLatenciesCostModel(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{limit: 100, reliable: true}, sinkAck
	e := metricsPipeline(t, "3", task.ExecutorConfig{UnitTime: time.Millisecond})
	e.Step(0, 10_000)
	now := core.Time(0).Add(10 * time.Second)
	pass := totals(e, passTask, now, metrics.Last10m)
	sink := e.Metrics(sinkTask).Snapshot(now, metrics.Last10m)
	if got := pass.Execute.Ms(); got != 1 {
		t.Errorf("pass: got execute latency %v ms, want 1 (cost 1 × 1 ms)", got)
	}
	if got := sink.Total().Execute.Ms(); got != 3 {
		t.Errorf("sink: got execute latency %v ms, want 3 (cost 3 × 1 ms)", got)
	}
	if got := sink.Total().Process.Ms(); got != 3 {
		t.Errorf("sink: got process latency %v ms, want 3 (acked at the end of its Execute)", got)
	}
	// 100 executes of 3 ms in 10 s observed.
	if got, want := sink.Capacity, 0.03; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("sink: got capacity %v, want %v", got, want)
	}
	spout := totals(e, spoutTask, now, metrics.Last10m)
	if spout.Complete.Samples != 100 || spout.Complete.Ms() < 4 {
		t.Errorf("spout: got complete latency %v ms over %d samples, want ≥ 4 ms (a pass and a sink execute) over 100",
			spout.Complete.Ms(), spout.Complete.Samples)
	}
}

// TestLatenciesClock: with a driver's clock, sampled tuples are timed by
// it: here a clock that advances 1 ms at every read.
func TestLatenciesClock(t *testing.T) {
	spoutOpts, sinkModeNext = numbers{limit: 10, reliable: true}, sinkAck
	var reads int64
	clock := func() core.Time { reads++; return core.Time(reads * int64(time.Millisecond)) }
	e := metricsPipeline(t, "1", task.ExecutorConfig{Clock: clock})
	e.Step(0, 10_000)
	sink := totals(e, sinkTask, 0, metrics.AllTime)
	// The sink reads the clock at the start of Execute, at its ack, and at
	// the end: 2 ms of execute, 1 ms of process.
	if sink.Execute.Samples != 10 || sink.Execute.Ms() != 2 || sink.Process.Ms() != 1 {
		t.Errorf("sink: got execute %v ms over %d samples, process %v ms; want 2 ms over 10, 1 ms",
			sink.Execute.Ms(), sink.Execute.Samples, sink.Process.Ms())
	}
	if spout := totals(e, spoutTask, 0, metrics.AllTime); spout.Complete.Samples != 10 || spout.Complete.Ms() <= 0 {
		t.Errorf("spout: got complete latency %v ms over %d samples, want > 0 over 10", spout.Complete.Ms(), spout.Complete.Samples)
	}
}
