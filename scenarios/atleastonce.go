package scenarios

import (
	"fmt"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/sim"
)

func init() {
	register(Scenario{Name: "at-least-once-chaos",
		Description: "a reliable sequence spout emits N numbers through 3 workers while workers crash, " +
			"connections reset, hosts partition and a supervisor is lost; every number is acked, " +
			"and every acked number reached the sink",
		Run: runAtLeastOnce})
}

// At-least-once-chaos parameters.
const (
	aloMessages    = 200_000
	aloTimeout     = 5 * time.Second
	aloMaxPending  = 200
	aloFaultStart  = 500 * time.Millisecond
	aloFaultPhase  = 30 * time.Second
	aloLiveness    = 120 * time.Second
	aloFaultGapMax = 3 * time.Second
)

// ledger is the at-least-once run's record outside every process. Counts
// indexed by sequence number, not maps: the sink and the spout call it for
// every tuple, and the simulator's speed is part of what the scenario
// measures.
type ledger struct {
	saw, acked examples.SeqCounts
}

func (l *ledger) Saw(_ string, seq int64)          { l.saw.Add(seq) }
func (l *ledger) Acked(_ string, seq int64)        { l.acked.Add(seq) }
func (l *ledger) IsAcked(_ string, seq int64) bool { return l.acked.Count(seq) > 0 }
func newLedger() *ledger                           { return &ledger{} }
func (l *ledger) complete(n int64) bool            { return int64(l.acked.Distinct()) == n }

func runAtLeastOnce(opts Options) Result {
	start := time.Now()
	led := newLedger()
	examples.SetLedger(led)
	defer examples.SetLedger(nil)
	c := newCluster(opts, dataShape())
	c.submitTopology(examples.SequenceTopology("sequence", 3, aloMessages, aloTimeout, aloMaxPending))
	r := c.w.Rand()
	faults := map[string]float64{}
	healAt := at(aloFaultStart + aloFaultPhase)
	var strike func()
	strike = func() {
		if c.w.Now() >= healAt {
			return
		}
		switch k := r.IntN(4); {
		case k == 0:
			if n := c.someWorker(); n != nil {
				c.w.Crash(n)
				faults["fault_worker_crash"]++
			}
		case k == 1:
			if n := c.someWorker(); n != nil {
				c.w.Net().ResetConns(n.Endpoint())
				faults["fault_conn_reset"]++
			}
		case k == 2:
			a, b := c.sups[r.IntN(len(c.sups))], c.sups[r.IntN(len(c.sups))]
			c.partitionHosts(a.ID(), b.ID(), time.Duration(1+r.IntN(3))*time.Second)
			faults["fault_host_partition"]++
		case k == 3 && faults["fault_supervisor_lost"] == 0:
			c.crashHost(c.sups[r.IntN(len(c.sups))])
			faults["fault_supervisor_lost"]++
		}
		c.w.After(time.Duration(r.Int64N(int64(aloFaultGapMax)))+time.Millisecond, "chaos", strike)
	}
	c.w.At(at(aloFaultStart), "chaos", strike)
	c.w.At(healAt, "heal", func() { c.w.Net().HealAll() })
	var doneAt core.Time = -1
	c.waitFor(at(0), "all acked", func() bool { return led.complete(aloMessages) }, func() { doneAt = c.w.Now() })
	err := c.w.RunUntil(healAt.Add(aloLiveness))
	measures := faults
	measures["messages"] = aloMessages
	measures["acked"] = float64(led.acked.Distinct())
	var seen, dups int64
	led.saw.Each(func(_ int64, n int) {
		seen += int64(n)
		dups += int64(n - 1)
	})
	measures["duplicates_at_sink"] = float64(dups)
	measures["replayed"] = float64(seen - int64(led.saw.Distinct()))
	if doneAt >= 0 {
		measures["all_acked_s"] = doneAt.Sub(at(0)).Seconds()
	}
	if err == nil {
		c.checkAtLeastOnce(led, doneAt)
	}
	// Each number takes two hops (spout → relay → sink), replays included.
	measures["tuple_hops"] = float64(2 * seen)
	res := c.finish("at-least-once-chaos", opts, start, err, measures)
	res.Measures["tuple_hops_per_wall_s"] = res.Measures["tuple_hops"] / max(res.WallSeconds, 1e-9)
	return res
}

// checkAtLeastOnce: after the liveness phase every message was acked, and
// every acked message reached the sink at least once.
func (c *cluster) checkAtLeastOnce(led *ledger, doneAt core.Time) {
	if doneAt < 0 || led.acked.Distinct() < aloMessages {
		c.violate("only %d of %d messages acked %s after the faults stopped", led.acked.Distinct(), aloMessages, aloLiveness)
	}
	for seq := int64(1); seq <= aloMessages; seq++ {
		if led.acked.Count(seq) > 0 && led.saw.Count(seq) == 0 {
			c.violate("message %d was acked but never reached the sink", seq)
			return
		}
	}
}

// partitionHosts cuts every process of one host off from every process of
// another for d.
func (c *cluster) partitionHosts(a, b core.NodeID, d time.Duration) {
	if a == b {
		return
	}
	var as, bs []sim.Endpoint
	for _, n := range c.w.Nodes() {
		host := n.ID()
		if sp := n.Spec(); sp.Supervisor != "" {
			host = core.NodeID(sp.Supervisor)
		}
		switch host {
		case a:
			as = append(as, n.Endpoint())
		case b:
			bs = append(bs, n.Endpoint())
		}
	}
	net := c.w.Net()
	for _, x := range as {
		for _, y := range bs {
			net.Partition(x, y)
		}
	}
	c.w.After(d, fmt.Sprintf("heal %s-%s", a, b), func() {
		for _, x := range as {
			for _, y := range bs {
				net.Heal(x, y)
			}
		}
	})
}
