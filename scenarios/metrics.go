package scenarios

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/sim"
)

func init() {
	register(Scenario{Name: "metrics-survive-restart",
		Description: "a worker of word count crashes; after its supervisor restarts it, its tasks' " +
			"all-time counters continue from what it had persisted",
		Run: runMetricsSurviveRestart})
	register(Scenario{Name: "metrics-resubmit",
		Description: "word count is killed and submitted again under its name, on the same slots; " +
			"the new submission's counters start from zero: nimbus reports what it alone did",
		Run: runMetricsResubmit})
	register(Scenario{Name: "metrics-timeouts",
		Description: "the sequence topology's hosts are partitioned twice, losing tuples between them; " +
			"their trees time out and replay, and nimbus counts exactly as many failures as the spouts got Fail calls",
		Run: runMetricsTimeouts})
}

// Metrics-timeouts parameters: at each of partitionsAt two hosts lose
// each other for partitionLength; the trees whose tuples were lost between
// them time out and replay.
const (
	timeoutsMessages = 100_000
	timeoutsTimeout  = 2 * time.Second
	partitionLength  = 500 * time.Millisecond
)

var partitionsAt = []time.Duration{3 * time.Second, 4 * time.Second}

func runMetricsTimeouts(opts Options) Result {
	start := time.Now()
	all := newLedger()
	c := newCluster(opts, dataShape())
	c.useLedger(all)
	led := all.of("sequence")
	t, err := examples.SequenceTopology("sequence", 3, timeoutsMessages, timeoutsTimeout, aloMaxPending)
	core.Assert(err == nil, "sequence: %v", err)
	t.Config.StatsSampleRate = 1 // exact counts, to compare with the spouts'
	c.submitTopology(t, nil)
	for i, d := range partitionsAt {
		c.w.At(at(d), "partition two hosts", func() {
			a, b := c.sups[i%len(c.sups)], c.sups[(i+1)%len(c.sups)]
			c.partitionHosts(a.ID(), b.ID(), partitionLength)
		})
	}
	var status *clientCall
	measures := map[string]float64{}
	c.waitFor(at(0), "all acked", func() bool { return led.complete(timeoutsMessages) }, func() {
		measures["all_acked_s"] = time.Duration(c.w.Now()).Seconds()
		// Time for the last heartbeats to carry the final counts.
		c.w.After(5*time.Second, "status", func() {
			status = c.cl.call(protocol.ClientRequest{Op: protocol.OpStatus, Topology: t.Name})
		})
	})
	err = c.w.RunUntil(at(90 * time.Second))
	measures["messages"], measures["partitions"] = timeoutsMessages, float64(len(partitionsAt))
	if err == nil {
		c.checkFailedCounts(status, measures)
	}
	return c.finish("metrics-timeouts", opts, start, err, measures)
}

// checkFailedCounts requires nimbus's status to count as many spout
// failures as the spouts replayed (each Fail replays its number once, and
// the run is quiet), none of them at the bolts (they never fail a tuple:
// every failure is a timeout), and at least one.
func (c *cluster) checkFailedCounts(status *clientCall, measures map[string]float64) {
	if status == nil || !status.done || !status.reply.OK || len(status.reply.Topologies) != 1 {
		c.violate("status of sequence not answered (all acked?): %+v", status)
		return
	}
	var replays int64
	for _, w := range c.w.Workers() {
		wm, ok := w.Machine().(*worker.Machine)
		if !ok || wm.Executor() == nil {
			continue
		}
		for _, id := range wm.Executor().Tasks() {
			if sp, ok := wm.Executor().Spout(id).(*examples.Sequence); ok {
				replays += sp.Replays
			}
		}
	}
	got := map[string]protocol.Counts{}
	for _, comp := range status.reply.Topologies[0].Components {
		got[comp.Name] = comp.AllTime
	}
	failed := got["sequence"].Failed
	measures["replays"], measures["failed_reported"] = float64(replays), float64(failed)
	switch {
	case replays == 0:
		c.violate("no tree timed out: the partitions lost nothing, so the check proves nothing")
	case failed != replays:
		c.violate("nimbus reports %d spout failures, the spouts replayed %d timed-out trees", failed, replays)
	case got["relay"].Failed+got["sink"].Failed != 0:
		c.violate("nimbus reports %d bolt failures, want 0: the bolts never fail", got["relay"].Failed+got["sink"].Failed)
	case got["sequence"].Acked < timeoutsMessages:
		c.violate("nimbus reports %d trees acked, want at least %d", got["sequence"].Acked, timeoutsMessages)
	}
}

// resubmitSentences is how many sentences each submission of
// metrics-resubmit emits.
const resubmitSentences = 500

func runMetricsResubmit(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, dataShape())
	t, err := examples.WordCount("wordcount", 3, resubmitSentences)
	core.Assert(err == nil, "word count: %v", err)
	t.Config.StatsSampleRate = 1 // exact counts
	first := c.submitTopology(t, nil)
	var kill, second, before, status *clientCall
	c.w.At(at(25*time.Second), "status before the kill", func() {
		before = c.cl.call(protocol.ClientRequest{Op: protocol.OpStatus, Topology: t.Name})
	})
	c.w.At(at(26*time.Second), "kill", func() {
		kill = c.cl.call(protocol.ClientRequest{Op: protocol.OpKill, Topology: t.Name, Wait: time.Second})
	})
	c.w.At(at(40*time.Second), "submit again", func() { second = c.submitTopology(t, nil) })
	c.w.At(at(70*time.Second), "status", func() {
		status = c.cl.call(protocol.ClientRequest{Op: protocol.OpStatus, Topology: t.Name})
	})
	err = c.w.RunUntil(at(72 * time.Second))
	measures := map[string]float64{"sentences": resubmitSentences}
	if err == nil {
		for name, call := range map[string]*clientCall{"submit": first, "kill": kill, "second submit": second} {
			if call == nil || !call.done || !call.reply.OK {
				c.violate("%s failed: %+v", name, call)
			}
		}
		// The first submission did all its work: the check below would not
		// tell inherited counters from new ones otherwise.
		c.checkResubmitCounts("before the kill", before, measures)
		c.checkResubmitCounts("after the second submit", status, measures)
	}
	return c.finish("metrics-resubmit", opts, start, err, measures)
}

// checkResubmitCounts requires a status answer to report what one
// submission of metrics-resubmit does: each sentence emitted once, and the
// count bolts executing each of its words once.
func (c *cluster) checkResubmitCounts(when string, status *clientCall, measures map[string]float64) {
	if status == nil || !status.done || !status.reply.OK || len(status.reply.Topologies) != 1 {
		c.violate("%s: status of wordcount not answered: %+v", when, status)
		return
	}
	var words int64
	for _, n := range examples.ExpectedCounts(resubmitSentences) {
		words += n
	}
	got := map[string]protocol.Counts{}
	for _, comp := range status.reply.Topologies[0].Components {
		got[comp.Name] = comp.AllTime
	}
	measures["emitted_"+strings.ReplaceAll(when, " ", "_")] = float64(got["sentences"].Emitted)
	if got["sentences"].Emitted != resubmitSentences || got["count"].Executed != words {
		c.violate("%s: nimbus reports %d sentences emitted and %d words counted, want %d and %d: "+
			"counters of the killed submission carried over, or work went missing",
			when, got["sentences"].Emitted, got["count"].Executed, resubmitSentences, words)
	}
}

// BreakNoMetricsRestore builds workers that ignore their persisted metrics.
const BreakNoMetricsRestore = "no-metrics-restore"

func runMetricsSurviveRestart(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, dataShape())
	c.noMetricsRestore = opts.Break == BreakNoMetricsRestore
	t, err := examples.WordCount("wordcount", 3, 0)
	core.Assert(err == nil, "word count: %v", err)
	t.Config.MaxSpoutPending = 100
	t.Config.StatsSampleRate = 1
	c.submitTopology(t, nil)
	crashAt, checkAt := at(20*time.Second), at(24*time.Second)
	var victim *sim.Node
	persisted := map[core.TaskID]int64{}
	c.w.At(crashAt, "crash worker", func() {
		// The worker hosting the spout with the lowest task id: always one.
		victim = c.someWorker()
		if victim == nil {
			c.violate("no worker running at %s", crashAt)
			return
		}
		persisted = persistedEmitted(victim)
		c.w.Crash(victim)
	})
	measures := map[string]float64{}
	c.w.At(checkAt, "check counters", func() {
		if victim == nil {
			return
		}
		var total, before int64
		for id, p := range persisted {
			before += p
			live := liveEmitted(victim, id)
			total += live
			if live < p {
				c.violate("task %d: all-time emitted fell from %d (persisted) to %d after the restart", id, p, live)
			}
		}
		if before == 0 {
			c.violate("the crashed worker had persisted no emitted counts")
		}
		measures["persisted_emitted"], measures["emitted_after_restart"] = float64(before), float64(total)
	})
	err = c.w.RunUntil(checkAt.Add(time.Second))
	return c.finish("metrics-survive-restart", opts, start, err, measures)
}

// persistedEmitted reads a worker's persisted windows from its disk: the
// all-time emitted count of each task.
func persistedEmitted(n *sim.Node) map[core.TaskID]int64 {
	out := map[core.TaskID]int64{}
	st := n.Store()
	if st == nil {
		return out
	}
	_ = st.Scan([]byte("metrics/"), func(k, v []byte) error {
		i := strings.LastIndexByte(string(k), '/')
		id, err := strconv.Atoi(string(k[i+1:]))
		if err != nil {
			return nil
		}
		ts, err := metrics.New(core.TaskID(id), 0, rand.New(rand.NewPCG(1, 2)), metrics.Config{})
		if err != nil || ts.UnmarshalBinary(v) != nil {
			return nil
		}
		out[core.TaskID(id)] = ts.Snapshot(0, metrics.AllTime).Total().Emitted
		return nil
	})
	return out
}

// liveEmitted is a running task's all-time emitted count, 0 if not running.
func liveEmitted(n *sim.Node, id core.TaskID) int64 {
	wm, ok := n.Machine().(*worker.Machine)
	if !ok || wm.Plane() == nil || wm.Plane().Metrics(id) == nil {
		return 0
	}
	return wm.Plane().Metrics(id).Snapshot(0, metrics.AllTime).Total().Emitted
}
