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
// heartbeats of workers and supervisors, as many executes of the count
// component as the count bolts counted words.
func (c *cluster) checkStatusMetrics(status *clientCall, words int64) {
	if status == nil || !status.done || !status.reply.OK || len(status.reply.Topologies) != 1 {
		c.violate("status of wordcount not answered: %+v", status)
		return
	}
	for _, comp := range status.reply.Topologies[0].Components {
		if comp.Name == "count" {
			if comp.AllTime.Executed != words {
				c.violate("nimbus reports %d executes of count, the bolts counted %d words", comp.AllTime.Executed, words)
			}
			return
		}
	}
	c.violate("nimbus's status has no count component: %+v", status.reply.Topologies[0])
}
