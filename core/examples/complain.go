package examples

import (
	"fmt"

	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// TypeComplain names the bolt that reports an error for every tuple.
const TypeComplain = "examples.Complain"

func init() {
	task.RegisterBolt(TypeComplain, func() task.Bolt { return &Complain{} })
}

// Complain acks every tuple and reports an error for it through
// ReportError: what a bolt does on input it cannot handle. The errors'
// way to nimbus (and their throttle) is what it shows.
type Complain struct {
	task.BaseBolt
	out task.OutputCollector
}

func (c *Complain) Prepare(_ *task.Context, out task.OutputCollector) { c.out = out }

func (c *Complain) Execute(t *task.Tuple) {
	c.out.ReportError(fmt.Errorf("complain: cannot handle %q", t.String("sentence")))
	c.out.Ack(t)
}

// Complaints returns sentences → complain (shuffle): a topology whose bolt
// reports an error per tuple. limit bounds the sentences (0: unbounded).
func Complaints(name string, workers int, limit int) (*topology.Topology, error) {
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Workers = workers
	b.SetConfig(cfg)
	sp := b.Spout("sentences", TypeSentences, 1).Output(topology.DefaultStream, "sentence")
	if limit > 0 {
		sp.Config("limit", fmt.Sprint(limit))
	}
	b.Bolt("complain", TypeComplain, 2).ShuffleGrouping("sentences")
	return b.Build()
}
