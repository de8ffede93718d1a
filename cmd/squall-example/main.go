// Command squall-example is a user's topology program, the Go analogue of a
// topology jar: it registers its own components and topologies, then hands
// its command line to Squall. Built, it is an artifact:
//
//	go build -o rolling ./cmd/squall-example
//	./rolling submit --topology evens -c nimbus.seeds=127.0.0.1:6627
//
// uploads the program itself to the leading nimbus; supervisors download
// it, verify its sha256, and start it as `rolling worker ...`.
package main

import (
	"os"

	"github.com/squall/squall/cmd/cli"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// Numbers emits 0, 1, 2, ... reliably: each tuple carries its number as its
// message id, and a failed number is emitted again.
type Numbers struct {
	task.BaseSpout
	out  task.SpoutCollector
	next int64
}

func (n *Numbers) Open(_ *task.Context, out task.SpoutCollector) { n.out = out }

func (n *Numbers) NextTuple() {
	n.out.Emit(topology.DefaultStream, task.Values{n.next}, n.next)
	n.next++
}

func (n *Numbers) Fail(msgID any) {
	v := msgID.(int64)
	n.out.Emit(topology.DefaultStream, task.Values{v}, v)
}

// Evens passes even numbers on, anchored, and acks every input.
type Evens struct {
	task.BaseBolt
	out task.OutputCollector
}

func (e *Evens) Prepare(_ *task.Context, out task.OutputCollector) { e.out = out }

func (e *Evens) Execute(t *task.Tuple) {
	if v := t.Int("n"); v%2 == 0 {
		e.out.Emit(topology.DefaultStream, []*task.Tuple{t}, task.Values{v})
	}
	e.out.Ack(t)
}

// Total sums what it sees per task.
type Total struct {
	task.BaseBolt
	out task.OutputCollector
	Sum int64
}

func (s *Total) Prepare(_ *task.Context, out task.OutputCollector) { s.out = out }

func (s *Total) Execute(t *task.Tuple) {
	s.Sum += t.Int("n")
	s.out.Ack(t)
}

// evens is the topology: numbers → evens (shuffle) → total (fields on n).
func evens(name string, workers int) (*topology.Topology, error) {
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Workers = workers
	cfg.MaxSpoutPending = 2000
	b.SetConfig(cfg)
	b.Spout("numbers", "example.Numbers", 1).Output(topology.DefaultStream, "n")
	b.Bolt("evens", "example.Evens", 2).ShuffleGrouping("numbers").Output(topology.DefaultStream, "n")
	b.Bolt("total", "example.Total", 2).FieldsGrouping("evens", topology.DefaultStream, "n")
	return b.Build()
}

func init() {
	task.RegisterSpout("example.Numbers", func() task.Spout { return &Numbers{} })
	task.RegisterBolt("example.Evens", func() task.Bolt { return &Evens{} })
	task.RegisterBolt("example.Total", func() task.Bolt { return &Total{} })
	cli.RegisterTopology("evens", "numbers → evens → total, acked (a user's own topology)", evens)
}

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}))
}
