package task_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// Anchoring tests after Storm's testAckBranching and testAckingSelfAnchor:
// a feeder spout, bolts that branch, self-anchor or join, and a sink that
// holds its tuples until the test acks them, so that a tree completing
// before its last tuple is acked shows.

// feeder emits one reliable tuple per feed, its number as the message id,
// and counts the verdicts per id.
// With config "trees" set, its value is the list of its trees ([n]) and it
// reports to the property test's ledger.
type feeder struct {
	task.BaseSpout
	out    task.SpoutCollector
	n, fed int64
	trees  bool
	acked  map[any]int
	failed map[any]int
}

func (s *feeder) Open(ctx *task.Context, out task.SpoutCollector) {
	s.out, s.acked, s.failed = out, map[any]int{}, map[any]int{}
	s.trees = ctx.Config["trees"] != ""
}

func (s *feeder) NextTuple() {
	if s.n >= s.fed {
		return
	}
	s.n++
	if s.trees {
		trees := []any{s.n}
		propLedger.emitted(trees)
		s.out.Emit("default", task.Values{trees}, s.n)
		return
	}
	s.out.Emit("default", task.Values{s.n}, s.n)
}

func (s *feeder) Ack(id any) {
	if s.trees {
		propLedger.completed(id.(int64), s.acked[id])
	}
	s.acked[id]++
}
func (s *feeder) Fail(id any) { s.failed[id]++ }

// split emits, per input, "fanout" tuples anchored to it ("branch") or one
// anchored to it twice ("self"), then acks it.
type split struct {
	task.BaseBolt
	out    task.OutputCollector
	mode   string
	fanout int
}

func (b *split) Prepare(ctx *task.Context, out task.OutputCollector) {
	b.out, b.mode = out, ctx.Config["mode"]
	b.fanout, _ = strconv.Atoi(ctx.Config["fanout"])
}

func (b *split) Execute(t *task.Tuple) {
	switch b.mode {
	case "self":
		b.out.Emit("default", []*task.Tuple{t, t}, t.Values)
	default:
		for range b.fanout {
			b.out.Emit("default", []*task.Tuple{t}, t.Values)
		}
	}
	b.out.Ack(t)
}

// agg collects "n" tuples, emits one anchored to all of them, then acks
// them: Storm's agg-bolt, a join.
type agg struct {
	task.BaseBolt
	out  task.OutputCollector
	n    int
	seen []*task.Tuple
}

func (b *agg) Prepare(ctx *task.Context, out task.OutputCollector) {
	b.out = out
	b.n, _ = strconv.Atoi(ctx.Config["n"])
}

func (b *agg) Execute(t *task.Tuple) {
	b.seen = append(b.seen, t)
	if len(b.seen) < b.n {
		return
	}
	b.out.Emit("default", b.seen, b.seen[0].Values)
	for _, s := range b.seen {
		b.out.Ack(s)
	}
	b.seen = b.seen[:0]
}

// hold keeps every tuple until release acks them.
type hold struct {
	task.BaseBolt
	out  task.OutputCollector
	held []*task.Tuple
}

func (b *hold) Prepare(_ *task.Context, out task.OutputCollector) { b.out = out }
func (b *hold) Execute(t *task.Tuple)                             { b.held = append(b.held, t) }

// release acks the n oldest held tuples.
func (b *hold) release(n int) {
	for _, t := range b.held[:n] {
		b.out.Ack(t)
	}
	b.held = b.held[n:]
}

func init() {
	task.RegisterSpout("test.feeder", func() task.Spout { return &feeder{} })
	task.RegisterBolt("test.split", func() task.Bolt { return &split{} })
	task.RegisterBolt("test.agg", func() task.Bolt { return &agg{} })
	task.RegisterBolt("test.hold", func() task.Bolt { return &hold{} })
}

// tester is what ackCluster needs of a *testing.T or a *rapid.T.
type tester interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// ackCluster runs a topology's tasks in executors that hand each other
// what they emit: unencoded between the executors of one worker (lanes, as
// realnet/lanes does), through the wire codec between workers.
type ackCluster struct {
	t      tester
	topo   *topology.Topology
	comps  map[string][]core.TaskID
	execs  []*task.Executor
	worker []int // of each executor
	owner  map[core.TaskID]int
	decs   []task.Decoder
	enc    task.Encoder
	now    core.Time
	// encoded counts the messages that crossed workers through the codec.
	encoded int
}

// newAckCluster places task id on worker workerOf[id], in one executor
// per worker, or one per task when lanes is set.
func newAckCluster(t tester, topo *topology.Topology, workerOf map[core.TaskID]int, lanes bool) *ackCluster {
	t.Helper()
	c := &ackCluster{t: t, topo: topo, comps: topology.ComponentTasks(topo), owner: map[core.TaskID]int{}}
	groups := map[int][]core.TaskID{} // executor key → tasks
	var keys []int
	for _, tk := range topology.Tasks(topo) {
		key := workerOf[tk.ID]
		if lanes {
			key = key<<16 | int(tk.ID)
		}
		if groups[key] == nil {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], tk.ID)
	}
	slices.Sort(keys)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, key := range keys {
		w := workerOf[groups[key][0]]
		e, err := task.NewExecutor(task.ExecutorConfig{Topology: topo, Tasks: groups[key], WorkerOf: workerOf,
			Local: w, Rand: rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range groups[key] {
			c.owner[id] = len(c.execs)
		}
		c.execs = append(c.execs, e)
		c.worker = append(c.worker, w)
	}
	c.decs = make([]task.Decoder, len(c.execs))
	return c
}

// run steps every executor and routes their messages until nothing moves,
// at most stepsMax rounds.
func (c *ackCluster) run() {
	const stepsMax = 100
	for range stepsMax {
		c.now = c.now.Add(time.Millisecond)
		moved := 0
		for i, e := range c.execs {
			e.Step(c.now, 4096)
			for w, out := range e.TakeRemote() {
				moved += len(out)
				c.route(i, w, out)
			}
		}
		if moved == 0 {
			return
		}
	}
	c.t.Fatalf("messages still moving after %d rounds", stepsMax)
}

// route delivers what executor from produced for worker w.
func (c *ackCluster) route(from, w int, out []task.Remote) {
	for _, r := range out {
		to, ok := c.owner[r.Dest]
		if !ok || c.worker[to] != w {
			c.t.Fatalf("got a message for task %d on worker %d, which is not there", r.Dest, w)
		}
		if w == c.worker[from] {
			c.execs[to].Deliver(r) // another lane of the same worker
			continue
		}
		batch, err := c.enc.AppendBatch(nil, []task.Remote{r})
		if err != nil {
			c.t.Fatal(err)
		}
		if err := c.decs[to].DeliverBatch(batch, c.execs[to]); err != nil {
			c.t.Fatal(err)
		}
		c.encoded++
	}
}

func (c *ackCluster) task(comp string) core.TaskID { return c.comps[comp][0] }

func (c *ackCluster) spout() *feeder {
	id := c.task("feed")
	return c.execs[c.owner[id]].Spout(id).(*feeder)
}

func (c *ackCluster) hold() *hold {
	id := c.task("hold")
	return c.execs[c.owner[id]].Bolt(id).(*hold)
}

// feed has the spout emit n more tuples and runs until quiet.
func (c *ackCluster) feed(n int64) {
	c.spout().fed += n
	c.run()
}

// release acks n held tuples at the sink and runs until quiet.
func (c *ackCluster) release(n int) {
	c.hold().release(n)
	c.run()
}

// expect checks the spout's verdicts: acked[i] acks of message i+1, no
// fails, and held tuples waiting at the sink.
func (c *ackCluster) expect(step string, held int, acked ...int) {
	c.t.Helper()
	s := c.spout()
	if got := len(c.hold().held); got != held {
		c.t.Errorf("%s: got %d tuples held at the sink, want %d", step, got, held)
	}
	for i, want := range acked {
		id := int64(i + 1)
		if s.acked[id] != want {
			c.t.Errorf("%s: got message %d acked %d times, want %d", step, id, s.acked[id], want)
		}
	}
	if len(s.failed) != 0 {
		c.t.Errorf("%s: got failed messages %v, want none", step, s.failed)
	}
}

// ackBuilder starts a topology with one acker and a feeder spout.
func ackBuilder(name string) *topology.Builder {
	b := ackConfigBuilder(name)
	b.Spout("feed", "test.feeder", 1).Output("default", "n")
	return b
}

// ackConfigBuilder starts a topology with one acker and no timeout in sight.
func ackConfigBuilder(name string) *topology.Builder {
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Ackers = 1
	cfg.MessageTimeout = time.Hour
	b.SetConfig(cfg)
	return b
}

// placements are where the tests run a topology's tasks: all in one
// executor, each task in its own lane of one worker, and each component
// (the acker too) on its own worker.
var placements = []struct {
	name  string
	lanes bool
	apart bool
}{
	{"one executor", false, false},
	{"lanes", true, false},
	{"workers", false, true},
}

func placeTasks(topo *topology.Topology, apart bool) map[core.TaskID]int {
	workerOf := map[core.TaskID]int{}
	index := map[string]int{}
	for _, tk := range topology.Tasks(topo) {
		if _, ok := index[tk.Component]; !ok {
			index[tk.Component] = len(index)
		}
		if apart {
			workerOf[tk.ID] = index[tk.Component]
		} else {
			workerOf[tk.ID] = 0
		}
	}
	return workerOf
}

func eachPlacement(t *testing.T, topo *topology.Topology, test func(t *testing.T, c *ackCluster)) {
	for _, p := range placements {
		t.Run(p.name, func(t *testing.T) {
			c := newAckCluster(t, topo, placeTasks(topo, p.apart), p.lanes)
			test(t, c)
			if p.apart && c.encoded == 0 {
				t.Errorf("got no message through the codec, want every hop to cross workers")
			}
		})
	}
}

func buildTopo(t *testing.T, b *topology.Builder) *topology.Topology {
	t.Helper()
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

// A bolt emits two tuples anchored to one spout tuple: the spout is acked
// once, and only after both are acked downstream.
func TestAckBranching(t *testing.T) {
	b := ackBuilder("branching")
	b.Bolt("split", "test.split", 1).ShuffleGrouping("feed").Output("default", "n").
		Config("mode", "branch").Config("fanout", "2")
	b.Bolt("hold", "test.hold", 1).ShuffleGrouping("split")
	eachPlacement(t, buildTopo(t, b), func(t *testing.T, c *ackCluster) {
		c.feed(1)
		c.expect("emitted", 2, 0)
		c.release(1)
		c.expect("one of two acked", 1, 0)
		c.release(1)
		c.expect("both acked", 0, 1)
	})
}

// Storm's testAckBranching: the spout's tuple goes to two bolts, and a
// third joins four tuples (two trees, two branches each) into one tuple
// anchored to all four; neither tree completes before that one is acked.
func TestAckBranchingJoin(t *testing.T) {
	b := ackBuilder("storm-branching")
	b.Bolt("id1", "test.split", 1).ShuffleGrouping("feed").Output("default", "n").Config("fanout", "1")
	b.Bolt("id2", "test.split", 1).ShuffleGrouping("feed").Output("default", "n").Config("fanout", "1")
	b.Bolt("agg", "test.agg", 1).ShuffleGrouping("id1").ShuffleGrouping("id2").
		Output("default", "n").Config("n", "4")
	b.Bolt("hold", "test.hold", 1).ShuffleGrouping("agg")
	eachPlacement(t, buildTopo(t, b), func(t *testing.T, c *ackCluster) {
		c.feed(1)
		c.expect("one tree at the join", 0, 0)
		c.feed(1)
		c.expect("joined", 1, 0, 0)
		c.release(1)
		c.expect("join acked", 0, 1, 1)
	})
}

// A bolt joins two tuples of the same tree: the tree completes once, when
// the joined tuple is acked.
func TestAckJoinSameTree(t *testing.T) {
	b := ackBuilder("join")
	b.Bolt("split", "test.split", 1).ShuffleGrouping("feed").Output("default", "n").
		Config("mode", "branch").Config("fanout", "2")
	b.Bolt("agg", "test.agg", 1).ShuffleGrouping("split").Output("default", "n").Config("n", "2")
	b.Bolt("hold", "test.hold", 1).ShuffleGrouping("agg")
	eachPlacement(t, buildTopo(t, b), func(t *testing.T, c *ackCluster) {
		c.feed(1)
		c.expect("joined", 1, 0)
		c.release(1)
		c.expect("join acked", 0, 1)
		c.feed(2)
		c.expect("two more joined", 2, 1, 0, 0)
		c.release(2)
		c.expect("all acked", 0, 1, 1, 1)
	})
}

// Storm's testAckingSelfAnchor: a tuple anchored twice to its input.
func TestAckingSelfAnchor(t *testing.T) {
	b := ackBuilder("self")
	b.Bolt("split", "test.split", 1).ShuffleGrouping("feed").Output("default", "n").Config("mode", "self")
	b.Bolt("hold", "test.hold", 1).ShuffleGrouping("split")
	eachPlacement(t, buildTopo(t, b), func(t *testing.T, c *ackCluster) {
		c.feed(1)
		c.expect("emitted", 1, 0)
		c.release(1)
		c.expect("acked", 0, 1)
		c.feed(3)
		c.release(3)
		c.expect("three more", 0, 1, 1, 1, 1)
	})
}
