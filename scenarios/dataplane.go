package scenarios

import (
	"maps"
	"slices"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

func init() {
	register(Scenario{Name: "wordcount-exact",
		Description: "word count over 3 workers without faults; the final counts equal the input's exactly",
		Run:         runWordCountExact})
}

// wordcountSentences is how many sentences wordcount-exact counts.
const wordcountSentences = 2000

func dataShape() clusterShape {
	s := defaultShape()
	s.dataPlane = true
	return s
}

// submitTopology submits a built topology through the client.
func (c *cluster) submitTopology(t *topology.Topology, err error) *clientCall {
	core.Assert(err == nil, "scenario topology: %v", err)
	spec, err := topology.Encode(t)
	core.Assert(err == nil, "scenario topology: %v", err)
	return c.cl.call(protocol.ClientRequest{Op: protocol.OpSubmit, Topology: t.Name, Spec: spec})
}

// executed sums the tuples executed by every live worker's tasks.
func (c *cluster) executed() int64 {
	var n int64
	for _, e := range c.executors() {
		n += e.Stats().Executed
	}
	return n
}

// wordCounts sums the counts of every live count task.
func (c *cluster) wordCounts() map[string]int64 {
	out := map[string]int64{}
	for _, e := range c.executors() {
		for _, id := range e.Tasks() {
			if cb, ok := e.Bolt(id).(*examples.Count); ok {
				for word, n := range cb.Counts {
					out[word] += n
				}
			}
		}
	}
	return out
}

func runWordCountExact(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, dataShape())
	t, err := examples.WordCount("wordcount", 3, wordcountSentences)
	core.Assert(err == nil, "word count: %v", err)
	t.Config.StatsSampleRate = 1 // exact counts, to compare with the bolts'
	sub := c.submitTopology(t, nil)
	var status *clientCall
	c.w.At(at(50*time.Second), "status", func() {
		status = c.cl.call(protocol.ClientRequest{Op: protocol.OpStatus, Topology: "wordcount"})
	})
	end := at(60 * time.Second)
	err = c.w.RunUntil(end)
	measures := map[string]float64{"sentences": wordcountSentences}
	if err == nil {
		if !sub.done || !sub.reply.OK {
			c.violate("submit failed: %+v", sub.reply)
		}
		got, want := c.wordCounts(), examples.ExpectedCounts(wordcountSentences)
		for _, word := range slices.Sorted(maps.Keys(want)) {
			if got[word] != want[word] {
				c.violate("word %q counted %d times, want %d", word, got[word], want[word])
				break
			}
		}
		if len(got) != len(want) {
			c.violate("counted %d distinct words, want %d", len(got), len(want))
		}
		var words int64
		for _, n := range got {
			words += n
		}
		measures["words_counted"] = float64(words)
		c.checkStatusMetrics(status, words)
	}
	measures["tuples_executed"] = float64(c.executed())
	res := c.finish("wordcount-exact", opts, start, err, measures)
	if res.WallSeconds > 0 {
		res.Measures["tuple_hops_per_wall_s"] = res.Measures["tuples_executed"] / res.WallSeconds
	}
	return res
}

// checkStatusMetrics requires nimbus's status answer to report, through the
// heartbeats of workers and supervisors, what the run did, with every event
// sampled and nothing failing: as many executes and acks of the count
// component as the count bolts counted words, every sentence acked by
// split and completed at the spout, nothing failed, and latencies and
// capacity measured (by the simulator's cost model) rather than 0.
func (c *cluster) checkStatusMetrics(status *clientCall, words int64) {
	if status == nil || !status.done || !status.reply.OK || len(status.reply.Topologies) != 1 {
		c.violate("status of wordcount not answered: %+v", status)
		return
	}
	byName := map[string]protocol.Counts{}
	for _, comp := range status.reply.Topologies[0].Components {
		byName[comp.Name] = comp.AllTime
	}
	sentences, split, count := byName["sentences"], byName["split"], byName["count"]
	if count.Executed != words || count.Acked != words {
		c.violate("nimbus reports %d executes and %d acks of count, the bolts counted %d words", count.Executed, count.Acked, words)
	}
	if split.Acked != wordcountSentences || sentences.Acked != wordcountSentences {
		c.violate("nimbus reports %d sentences acked by split and %d trees completed at the spout, want %d each",
			split.Acked, sentences.Acked, wordcountSentences)
	}
	if f := sentences.Failed + split.Failed + count.Failed; f != 0 {
		c.violate("nimbus reports %d failures in a run without faults", f)
	}
	if sentences.CompleteLatency.Samples != wordcountSentences || sentences.CompleteLatency.Ms() <= 0 {
		c.violate("spout complete latency: got %v ms over %d samples, want > 0 over %d",
			sentences.CompleteLatency.Ms(), sentences.CompleteLatency.Samples, wordcountSentences)
	}
	if count.ExecuteLatency.Ms() <= 0 || count.ProcessLatency.Ms() <= 0 || count.Capacity <= 0 {
		c.violate("count: got execute %v ms, process %v ms, capacity %v; want all > 0",
			count.ExecuteLatency.Ms(), count.ProcessLatency.Ms(), count.Capacity)
	}
	if total := status.reply.Topologies[0].AllTime; total.Executed != sentences.Executed+split.Executed+count.Executed {
		c.violate("topology executed %d, its components' sum %d", total.Executed, sentences.Executed+split.Executed+count.Executed)
	}
}
