package task_test

import (
	"slices"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
	"pgregory.net/rapid"
)

// The property: whatever bolts anchor to (several inputs, of one tree or
// of several, one input more than once) and wherever the tasks run, every
// spout tuple is acked exactly once, and never while a tuple of its tree is
// still unacked. Every tuple carries the list of its trees as its value, so
// the test knows the trees without asking the acker.

// ledger counts, per tree, the tuples emitted and not yet acked.
type ledger struct {
	t       *rapid.T
	pending map[int64]int
}

// propLedger is the running check's ledger; tests run one at a time.
var propLedger *ledger

func (l *ledger) emitted(trees []any) {
	for _, tr := range trees {
		l.pending[tr.(int64)]++
	}
}

func (l *ledger) acked(trees []any) {
	for _, tr := range trees {
		l.pending[tr.(int64)]--
	}
}

// completed checks the spout's ack of tree: its first, with no tuple of it
// pending.
func (l *ledger) completed(tree int64, before int) {
	if before > 0 || l.pending[tree] != 0 {
		l.t.Fatalf("got tree %d acked (acked %d times before) with %d of its tuples unacked, want 0 and 0",
			tree, before, l.pending[tree])
	}
}

// mix keeps the tuples it receives and, as rapid draws, emits tuples
// anchored to random picks of them (repeats allowed) and acks some; once
// draining it acks everything at once.
type mix struct {
	task.BaseBolt
	out  task.OutputCollector
	kept []*task.Tuple
}

// mixDraining makes every mix ack all it keeps and emit nothing more.
var mixDraining bool

func (b *mix) Prepare(_ *task.Context, out task.OutputCollector) { b.out = out }

func (b *mix) Execute(t *task.Tuple) {
	b.kept = append(b.kept, t)
	if mixDraining {
		b.ackKept(func(int) bool { return true })
		return
	}
	rt := propLedger.t
	for range rapid.IntRange(0, 2).Draw(rt, "emits") {
		picks := rapid.SliceOfN(rapid.IntRange(0, len(b.kept)-1), 1, 3).Draw(rt, "anchors")
		anchors := make([]*task.Tuple, len(picks))
		var trees []any
		for i, p := range picks {
			anchors[i] = b.kept[p]
			trees = append(trees, b.kept[p].Values[0].([]any)...)
		}
		trees = uniqueTrees(trees)
		propLedger.emitted(trees)
		b.out.Emit("default", anchors, task.Values{trees})
	}
	b.ackKept(func(int) bool { return rapid.Bool().Draw(rt, "ack") })
}

// ackKept acks the kept tuples that ack(i) picks.
func (b *mix) ackKept(ack func(i int) bool) {
	kept := b.kept[:0]
	for i, t := range b.kept {
		if !ack(i) {
			kept = append(kept, t)
			continue
		}
		propLedger.acked(t.Values[0].([]any))
		b.out.Ack(t)
	}
	clear(b.kept[len(kept):])
	b.kept = kept
}

func uniqueTrees(trees []any) []any {
	slices.SortFunc(trees, func(a, b any) int { return int(a.(int64) - b.(int64)) })
	return slices.Compact(trees)
}

func init() {
	task.RegisterBolt("test.mix", func() task.Bolt { return &mix{} })
}

// mixTopology: feed → mixA (2 tasks) → mixB (2 tasks) → hold.
func mixTopology(t *rapid.T) *topology.Topology {
	b := ackConfigBuilder("mix")
	b.Spout("feed", "test.feeder", 1).Output("default", "trees").Config("trees", "yes")
	b.Bolt("mixA", "test.mix", 2).ShuffleGrouping("feed").Output("default", "trees")
	b.Bolt("mixB", "test.mix", 2).ShuffleGrouping("mixA").Output("default", "trees")
	b.Bolt("hold", "test.hold", 1).ShuffleGrouping("mixB")
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

func TestAckingAnyAnchoringProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		propLedger, mixDraining = &ledger{t: rt, pending: map[int64]int{}}, false
		defer func() { propLedger, mixDraining = nil, false }()
		topo := mixTopology(rt)
		workerOf := map[core.TaskID]int{}
		for _, tk := range topology.Tasks(topo) {
			workerOf[tk.ID] = rapid.IntRange(0, 2).Draw(rt, "worker of "+tk.Component)
		}
		c := newAckCluster(rt, topo, workerOf, rapid.Bool().Draw(rt, "lanes"))
		fed := int64(0)
		for range rapid.IntRange(1, 6).Draw(rt, "rounds") {
			n := int64(rapid.IntRange(0, 3).Draw(rt, "feed"))
			fed += n
			c.feed(n)
			c.releaseHeld(rapid.IntRange(0, len(c.hold().held)).Draw(rt, "release"))
		}
		mixDraining = true
		c.releaseMixes()
		c.releaseHeld(len(c.hold().held))
		s := c.spout()
		for id := int64(1); id <= fed; id++ {
			if s.acked[id] != 1 {
				rt.Errorf("got tree %d acked %d times after everything was acked, want 1", id, s.acked[id])
			}
		}
		if len(s.failed) != 0 {
			rt.Errorf("got failed trees %v, want none", s.failed)
		}
	})
}

// releaseHeld acks n tuples held at the sink, as the ledger counts them.
func (c *ackCluster) releaseHeld(n int) {
	for _, t := range c.hold().held[:n] {
		propLedger.acked(t.Values[0].([]any))
	}
	c.release(n)
}

// releaseMixes has every mix task ack what it keeps.
func (c *ackCluster) releaseMixes() {
	for _, comp := range []string{"mixA", "mixB"} {
		for _, id := range c.comps[comp] {
			c.execs[c.owner[id]].Bolt(id).(*mix).ackKept(func(int) bool { return true })
		}
	}
	c.run()
}
