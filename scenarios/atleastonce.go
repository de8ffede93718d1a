package scenarios

import (
	"fmt"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/sim"
)

func init() {
	register(Scenario{Name: "at-least-once-chaos",
		Description: "a reliable sequence spout emits N numbers through 3 workers while workers crash, " +
			"connections reset, hosts partition and a supervisor is lost; every number is acked, " +
			"and every acked number reached the sink",
		Run: runAtLeastOnce})
	register(Scenario{Name: "at-least-once-join",
		Description: "at-least-once-chaos with every number forked in two and joined again (one tuple " +
			"anchored to both halves of its tree) before the sink; every number is acked, and every " +
			"acked number reached the sink",
		Run: runAtLeastOnceJoin})
}

// seqTopology builds a sequence topology: name, workers, numbers, message
// timeout, max spout pending.
type seqTopology func(string, int, int, time.Duration, int) (*topology.Topology, error)

func runAtLeastOnce(opts Options) Result {
	return runAtLeastOnceOf(opts, "at-least-once-chaos", examples.SequenceTopology, 2)
}

// runAtLeastOnceJoin: a tree completing before its joined tuple is acked
// (one edge for both anchors) loses the numbers the faults drop after the
// join, as acked numbers that never reached the sink.
func runAtLeastOnceJoin(opts Options) Result {
	return runAtLeastOnceOf(opts, "at-least-once-join", examples.JoinTopology, 4)
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

// ledger is a run's record outside every process, one seqLedger per
// sequence topology.
type ledger struct {
	topos map[string]*seqLedger
	// lastName and last cache the latest lookup: the sink and the spout
	// call the ledger for every tuple, nearly always for one topology.
	lastName string
	last     *seqLedger
}

// seqLedger is one sequence topology's record. Counts indexed by sequence
// number, not maps: the simulator's speed is part of what the scenarios
// measure.
type seqLedger struct {
	saw, acked examples.SeqCounts
	// sinkTask[seq] is the sink task that first saw seq, plus one; split
	// is the first number a second sink task saw too (one_key_one_task).
	sinkTask []int32
	split    struct {
		seq         int64
		first, then core.TaskID
	}
}

// SawAt records which sink task saw seq (examples.TaskLedger).
func (l *ledger) SawAt(topo string, seq int64, task core.TaskID) {
	s := l.of(topo)
	if seq <= 0 || seq > seqTaskMax {
		return
	}
	for int64(len(s.sinkTask)) <= seq {
		s.sinkTask = append(s.sinkTask, make([]int32, len(s.sinkTask)+64)...)
	}
	switch had := s.sinkTask[seq]; {
	case had == 0:
		s.sinkTask[seq] = int32(task) + 1
	case had != int32(task)+1 && s.split.seq == 0:
		s.split.seq, s.split.first, s.split.then = seq, core.TaskID(had-1), task
	}
}

// seqTaskMax bounds the numbers whose sink task the ledger keeps.
const seqTaskMax = 1 << 22

func newLedger() *ledger { return &ledger{topos: map[string]*seqLedger{}} }

// of returns the topology's record, creating it on first use.
func (l *ledger) of(topo string) *seqLedger {
	if l.last != nil && topo == l.lastName {
		return l.last
	}
	s := l.topos[topo]
	if s == nil {
		s = &seqLedger{}
		l.topos[topo] = s
	}
	l.lastName, l.last = topo, s
	return s
}

func (l *ledger) Saw(topo string, seq int64)          { l.of(topo).saw.Add(seq) }
func (l *ledger) Acked(topo string, seq int64)        { l.of(topo).acked.Add(seq) }
func (l *ledger) IsAcked(topo string, seq int64) bool { return l.of(topo).acked.Count(seq) > 0 }

// useLedger hands led to the sequence components of every worker the
// cluster starts from now on: each run has its own ledger, so runs in
// parallel (the swarm, parallel tests) never share one.
func (c *cluster) useLedger(led *ledger) {
	c.services = map[string]any{examples.LedgerService: examples.Ledger(led)}
}
func (l *seqLedger) complete(n int64) bool { return int64(l.acked.Distinct()) == n }

// lostAcked returns the least number that was acked but never reached the
// sink, 0 for none: the at-least-once property broken.
func (l *seqLedger) lostAcked() int64 {
	lost := int64(0)
	l.acked.Each(func(seq int64, _ int) {
		if l.saw.Count(seq) == 0 && (lost == 0 || seq < lost) {
			lost = seq
		}
	})
	return lost
}

// runAtLeastOnceOf runs scenario name on build's topology, whose numbers
// take hops tuple hops each from spout to sink.
func runAtLeastOnceOf(opts Options, name string, build seqTopology, hops int) Result {
	start := time.Now()
	all := newLedger()
	c := newCluster(opts, dataShape())
	c.useLedger(all)
	led := all.of("sequence")
	c.submitTopology(build("sequence", 3, aloMessages, aloTimeout, aloMaxPending))
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
	// Each number takes hops hops (spout → relay → sink: two), replays included.
	measures["tuple_hops"] = float64(int64(hops) * seen)
	res := c.finish(name, opts, start, err, measures)
	res.Measures["tuple_hops_per_wall_s"] = res.Measures["tuple_hops"] / max(res.WallSeconds, 1e-9)
	return res
}

// checkAtLeastOnce: after the liveness phase every message was acked, and
// every acked message reached the sink at least once.
func (c *cluster) checkAtLeastOnce(led *seqLedger, doneAt core.Time) {
	if doneAt < 0 || led.acked.Distinct() < aloMessages {
		c.violate("only %d of %d messages acked %s after the faults stopped", led.acked.Distinct(), aloMessages, aloLiveness)
	}
	if seq := led.lostAcked(); seq > 0 {
		c.violate("message %d was acked but never reached the sink", seq)
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
