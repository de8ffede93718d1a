package scenarios

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/sim"
)

func init() {
	register(Scenario{Name: "metrics-survive-restart",
		Description: "a worker of word count crashes; after its supervisor restarts it, its tasks' " +
			"all-time counters continue from what it had persisted",
		Run: runMetricsSurviveRestart})
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
