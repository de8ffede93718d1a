package examples

import (
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// Type names of the cycle topology's components.
const (
	TypeNumbers = "examples.Numbers"
	TypeLoop    = "examples.Loop"
	TypeDrain   = "examples.Drain"
)

// LoopRounds is how many times a tuple goes round the cycle before it leaves.
const LoopRounds = 3

func init() {
	task.RegisterSpout(TypeNumbers, func() task.Spout { return &Numbers{} })
	task.RegisterBolt(TypeLoop, func() task.Bolt { return &Loop{} })
	task.RegisterBolt(TypeDrain, func() task.Bolt { return &Drain{} })
}

// Numbers emits (0) without end; reliably (a message id per tuple) unless
// its "reliable" config is "false".
type Numbers struct {
	task.BaseSpout
	out      task.SpoutCollector
	zero     task.Values
	reliable bool
	next     int64
}

func (n *Numbers) Open(ctx *task.Context, out task.SpoutCollector) {
	n.out, n.zero, n.reliable = out, task.Values{int64(0)}, ctx.Config["reliable"] != "false"
}

func (n *Numbers) NextTuple() {
	if !n.reliable {
		n.out.Emit(topology.DefaultStream, n.zero, nil)
		return
	}
	n.next++
	n.out.Emit(topology.DefaultStream, n.zero, n.next)
}

// Loop sends (n+1) round the cycle on stream "again" until n reaches
// LoopRounds, then sends it on to "out".
type Loop struct {
	task.BaseBolt
	out    task.OutputCollector
	anchor []*task.Tuple
	vals   valueChunks
}

func (l *Loop) Prepare(_ *task.Context, out task.OutputCollector) {
	l.out, l.anchor = out, make([]*task.Tuple, 1)
}

func (l *Loop) Execute(t *task.Tuple) {
	n, _ := t.Values[0].(int64)
	l.anchor[0] = t
	if n < LoopRounds {
		l.out.Emit("again", l.anchor, l.vals.values(n+1))
	} else {
		l.out.Emit("out", l.anchor, l.vals.values(n))
	}
	l.out.Ack(t)
}

// Drain counts what reaches it.
type Drain struct {
	task.BaseBolt
	out   task.OutputCollector
	Count int64
}

func (d *Drain) Prepare(_ *task.Context, out task.OutputCollector) { d.out = out }
func (d *Drain) Execute(t *task.Tuple)                             { d.Count++; d.out.Ack(t) }

// Cycle returns numbers → ping ⇄ pong (a cycle on stream "again") → drain,
// where drain is slow: each Execute costs `cost` budget units. maxPending > 0
// makes the spout reliable with that many trees in flight at most (Storm's
// remedy for cycles); 0 makes it unanchored and unbounded.
func Cycle(name string, workers int, cost string, maxPending int) (*topology.Topology, error) {
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Workers = workers
	cfg.MaxSpoutPending = maxPending
	b.SetConfig(cfg)
	reliable := "true"
	if maxPending == 0 {
		reliable = "false"
	}
	b.Spout("numbers", TypeNumbers, 2).Output(topology.DefaultStream, "n").Config("reliable", reliable)
	b.Bolt("ping", TypeLoop, 2).ShuffleGrouping("numbers").
		Input("pong", "again", topology.Grouping{Kind: topology.GroupShuffle}).
		Output("again", "n").Output("out", "n")
	b.Bolt("pong", TypeLoop, 2).Input("ping", "again", topology.Grouping{Kind: topology.GroupShuffle}).
		Output("again", "n").Output("out", "n")
	b.Bolt("drain", TypeDrain, 1).Config(task.CostConfig, cost).
		Input("ping", "out", topology.Grouping{Kind: topology.GroupShuffle}).
		Input("pong", "out", topology.Grouping{Kind: topology.GroupShuffle})
	return b.Build()
}
