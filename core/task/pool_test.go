package task

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

// Test components for tuple reuse: a counting spout, and a bolt that
// misbehaves as its mode says.
type countSpout struct {
	BaseSpout
	out           SpoutCollector
	n, limit      int64
	acked, failed int64
}

func (s *countSpout) Open(_ *Context, out SpoutCollector) { s.out = out }
func (s *countSpout) NextTuple() {
	if s.n < s.limit {
		s.n++
		s.out.Emit("default", Values{s.n}, s.n)
	}
}
func (s *countSpout) Ack(any)  { s.acked++ }
func (s *countSpout) Fail(any) { s.failed++ }

type misuseMode uint8

const (
	misuseNone        misuseMode = iota
	misuseAckTwice               // acks every tuple twice
	misuseAnchorAcked            // emits anchored to the previous tuple, already acked
	misuseAckLater               // acks each tuple during the next Execute
)

type misuseBolt struct {
	BaseBolt
	out    OutputCollector
	mode   misuseMode
	prev   *Tuple
	seen   []int64
	errsAt int
}

func (b *misuseBolt) Prepare(_ *Context, out OutputCollector) { b.out = out }
func (b *misuseBolt) Execute(t *Tuple) {
	b.seen = append(b.seen, t.Values[0].(int64))
	switch b.mode {
	case misuseNone:
		b.out.Ack(t)
	case misuseAckTwice:
		b.out.Ack(t)
		b.out.Ack(t)
	case misuseAnchorAcked:
		if b.prev != nil {
			b.out.Emit("default", []*Tuple{b.prev}, Values{int64(0)})
		}
		b.out.Ack(t)
	case misuseAckLater:
		if b.prev != nil {
			b.out.Ack(b.prev)
		}
	}
	b.prev = t
}

var (
	lastCountSpout *countSpout
	lastMisuse     *misuseBolt
	nextMisuse     misuseMode
	nextLimit      int64
)

func init() {
	RegisterSpout("test.count", func() Spout { lastCountSpout = &countSpout{limit: nextLimit}; return lastCountSpout })
	RegisterBolt("test.misuse", func() Bolt { lastMisuse = &misuseBolt{mode: nextMisuse}; return lastMisuse })
}

// misuseExecutor runs count → misuse (with an output to nowhere) in one
// worker with one acker.
func misuseExecutor(t *testing.T, mode misuseMode, limit int64) *Executor {
	nextMisuse, nextLimit = mode, limit
	b := topology.NewBuilder("misuse")
	cfg := topology.DefaultConfig()
	cfg.Ackers, cfg.MessageTimeout = 1, time.Hour
	b.SetConfig(cfg)
	b.Spout("count", "test.count", 1).Output("default", "n")
	b.Bolt("misuse", "test.misuse", 1).ShuffleGrouping("count").Output("default", "n")
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
	e, err := NewExecutor(ExecutorConfig{Topology: topo, Tasks: ids, WorkerOf: workerOf, Rand: rand.New(rand.NewPCG(5, 6))})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func runUntilQuiet(e *Executor) {
	for step := range 1000 {
		if e.Step(core.Time(step), stepBudgetTest) == 0 && step > 0 {
			return
		}
	}
}

// Reused tuples keep acking exact: many times more trees than the reuse
// delay all complete, each acked once, and the bolt sees every number once
// and in order, so no reused tuple was handed out while still in use.
func TestTupleReuseKeepsAckingExact(t *testing.T) {
	for _, mode := range []misuseMode{misuseNone, misuseAckLater} {
		const trees = 8 * tupleReuseDelay
		e := misuseExecutor(t, mode, trees)
		runUntilQuiet(e)
		want := int64(trees)
		if mode == misuseAckLater {
			want-- // the last tuple waits for a next one
		}
		s, b := lastCountSpout, lastMisuse
		if s.acked != want || s.failed != 0 || len(b.seen) != trees {
			t.Fatalf("mode %d: got %d acked, %d failed, %d seen; want %d, 0, %d", mode, s.acked, s.failed, len(b.seen), want, trees)
		}
		for i, n := range b.seen {
			if n != int64(i+1) {
				t.Fatalf("mode %d: got number %d at %d, want %d", mode, n, i, i+1)
			}
		}
		if e.freeLen == 0 {
			t.Errorf("mode %d: got an empty free ring after %d trees, want tuples released", mode, trees)
		}
	}
}

// A bolt that acks a tuple twice, or anchors to an acked one, gets an error
// and its extra ack or anchor is ignored: every tree still completes once.
func TestTupleMisuseIsReportedAndIgnored(t *testing.T) {
	tests := []struct {
		mode misuseMode
		want error
	}{
		{misuseAckTwice, errSettledTwice},
		{misuseAnchorAcked, errAnchorToSettled},
	}
	for _, tt := range tests {
		e := misuseExecutor(t, tt.mode, 100)
		runUntilQuiet(e)
		s := lastCountSpout
		if s.acked != 100 || s.failed != 0 {
			t.Errorf("mode %d: got %d acked and %d failed, want 100 and 0", tt.mode, s.acked, s.failed)
		}
		r := e.runnerOf(e.order[len(e.order)-1].id)
		if k := r.errs.kept; len(k) == 0 || !errors.Is(k[len(k)-1].err, tt.want) {
			t.Errorf("mode %d: got errors %v, want %v", tt.mode, r.errs.kept, tt.want)
		}
	}
}

// Once the free ring is full, a pipeline that acks every tuple takes no
// new tuple from its chunks: every tuple is a reused one.
func TestTupleReuseTakesNoNewTuples(t *testing.T) {
	e := misuseExecutor(t, misuseNone, 1<<40)
	for step := range 10 {
		e.Step(core.Time(step), stepBudgetTest)
	}
	left := len(e.tuples)
	for step := 10; step < 30; step++ {
		e.Step(core.Time(step), stepBudgetTest)
	}
	if len(e.tuples) != left || e.freeLen < tupleReuseDelay {
		t.Errorf("got %d tuples left in the chunk (was %d) and %d in the free ring; want no tuple carved and the ring past the reuse delay",
			len(e.tuples), left, e.freeLen)
	}
}
