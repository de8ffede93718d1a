package task

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

// Test components for error reports: a spout that emits as its mode says,
// and a bolt that reports an error per tuple.
type directMode uint8

const (
	directPlain     directMode = iota // plain Emit on the direct stream
	directGood                        // EmitDirect to a task of the direct subscriber
	directNotTarget                   // EmitDirect to the spout itself
)

type directSpout struct {
	BaseSpout
	out  SpoutCollector
	ctx  *Context
	mode directMode
	n    int
}

var directModeNext directMode

func (s *directSpout) Open(ctx *Context, out SpoutCollector) { s.ctx, s.out = ctx, out }
func (s *directSpout) NextTuple() {
	if s.n >= 3 {
		return
	}
	s.n++
	switch s.mode {
	case directPlain:
		s.out.Emit("default", Values{int64(s.n)}, nil)
	case directGood:
		s.out.EmitDirect(s.ctx.ComponentTasks["sink"][0], "default", Values{int64(s.n)}, nil)
	case directNotTarget:
		s.out.EmitDirect(s.ctx.TaskID, "default", Values{int64(s.n)}, nil)
	}
}

type erringBolt struct {
	BaseBolt
	out  OutputCollector
	seen int
}

func (b *erringBolt) Prepare(_ *Context, out OutputCollector) { b.out = out }
func (b *erringBolt) Execute(t *Tuple) {
	b.seen++
	b.out.ReportError(fmt.Errorf("bad tuple %d", t.Values[0]))
	b.out.Ack(t)
}

func init() {
	RegisterSpout("test.direct", func() Spout { return &directSpout{mode: directModeNext} })
	RegisterBolt("test.erring", func() Bolt { return &erringBolt{} })
}

// errorsExecutor runs spout → sink in one worker: the sink takes the
// spout's stream by direct grouping, or by shuffle.
func errorsExecutor(t *testing.T, direct bool, spoutType string) *Executor {
	t.Helper()
	b := topology.NewBuilder("errs")
	cfg := topology.DefaultConfig()
	cfg.Ackers = 0
	b.SetConfig(cfg)
	b.Spout("src", spoutType, 1).Output("default", "n")
	sink := b.Bolt("sink", "test.erring", 1)
	if direct {
		sink.DirectGrouping("src")
	} else {
		sink.ShuffleGrouping("src")
	}
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var ids []core.TaskID
	workerOf := map[core.TaskID]int{}
	for _, tk := range topology.Tasks(topo) {
		ids = append(ids, tk.ID)
		workerOf[tk.ID] = 0
	}
	e, err := NewExecutor(ExecutorConfig{Topology: topo, Tasks: ids, WorkerOf: workerOf,
		Rand: rand.New(rand.NewPCG(1, 2)), Now: core.Time(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A bolt's ReportError reaches Errors with its task, component, the step's
// time and a sequence number.
func TestReportErrorIsRecorded(t *testing.T) {
	nextLimit = 3
	e := errorsExecutor(t, false, "test.count")
	now := core.Time(5 * time.Second)
	e.Step(now, 100)
	got := e.Errors(nil)
	if len(got) != 3 {
		t.Fatalf("got %d errors %+v, want 3", len(got), got)
	}
	for i, er := range got {
		want := fmt.Sprintf("bad tuple %d", i+1)
		if er.Component != "sink" || er.Message != want || er.Time != now || er.Seq != uint64(i+1) {
			t.Errorf("error %d: got %+v, want component sink, message %q, time %s, seq %d", i, er, want, now, i+1)
		}
	}
	if e.ErrorsRecorded() != 3 {
		t.Errorf("got %d recorded, want 3", e.ErrorsRecorded())
	}
}

// A task that errors on every tuple records errorsPerThrottleMax per
// errorThrottlePeriod (Storm's throttle), and keeps only the newest
// ErrorsPerTaskMax.
func TestReportErrorIsThrottledAndBounded(t *testing.T) {
	nextLimit = 1 << 20
	e := errorsExecutor(t, false, "test.count")
	now := core.Time(time.Second) // the executor's start
	e.Step(now, 100)
	if got := len(e.Errors(nil)); got != errorsPerThrottleMax {
		t.Fatalf("got %d errors after 100 in one period, want %d", got, errorsPerThrottleMax)
	}
	if got := e.Stats().ErrorsThrottled; got != 100-errorsPerThrottleMax {
		t.Errorf("got %d throttled, want %d", got, 100-errorsPerThrottleMax)
	}
	for range 4 {
		now = now.Add(errorThrottlePeriod)
		e.Step(now, 100)
	}
	got := e.Errors(nil)
	if len(got) != ErrorsPerTaskMax {
		t.Fatalf("got %d errors kept, want %d", len(got), ErrorsPerTaskMax)
	}
	if first, last := got[0], got[len(got)-1]; last.Time != now || last.Seq != 5*errorsPerThrottleMax || first.Seq != last.Seq-ErrorsPerTaskMax+1 {
		t.Errorf("got oldest %+v and newest %+v, want the newest %d (seq %d to %d)", first, last,
			ErrorsPerTaskMax, 5*errorsPerThrottleMax-ErrorsPerTaskMax+1, 5*errorsPerThrottleMax)
	}
}

// Storm refuses a plain emit on a direct stream and an EmitDirect to a task
// that does not take the stream directly: both are reported, and deliver
// nothing; a correct EmitDirect delivers and reports nothing.
func TestDirectMisuseIsReported(t *testing.T) {
	tests := []struct {
		mode   directMode
		direct bool
		want   error
		seen   int
	}{
		{directPlain, true, errPlainToDirect, 0},
		{directNotTarget, true, errDirectNotTarget, 0},
		{directNotTarget, false, errDirectNotTarget, 3}, // the shuffle subscriber still gets it
		{directGood, true, nil, 3},
	}
	for _, tt := range tests {
		directModeNext = tt.mode
		e := errorsExecutor(t, tt.direct, "test.direct")
		e.Step(0, 100)
		src := e.runnerOf(e.order[0].id)
		sink := e.runnerOf(e.order[1].id).bolt.(*erringBolt)
		kept := src.errs.kept
		switch {
		case tt.want == nil && len(kept) != 0:
			t.Errorf("mode %d: got errors %+v, want none", tt.mode, kept)
		case tt.want != nil && (len(kept) != 3 || !errors.Is(kept[0].err, tt.want)):
			t.Errorf("mode %d: got errors %+v, want 3 of %v", tt.mode, kept, tt.want)
		}
		if sink.seen != tt.seen {
			t.Errorf("mode %d: the sink got %d tuples, want %d", tt.mode, sink.seen, tt.seen)
		}
	}
}

func TestCutMessageBoundsBytes(t *testing.T) {
	long := strings.Repeat("é", ErrorBytesMax) // 2 bytes each
	got := cutMessage(long)
	if len(got) > ErrorBytesMax || !strings.HasSuffix(got, "...") || !strings.HasPrefix(got, "éé") {
		t.Errorf("got %d bytes ending %q, want at most %d ending in ...", len(got), got[len(got)-5:], ErrorBytesMax)
	}
	if got := cutMessage("short"); got != "short" {
		t.Errorf("got %q, want short", got)
	}
}
