package scenarios

import (
	"maps"
	"slices"
	"time"

	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/lanes"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/worker"
)

func init() {
	register(Scenario{Name: "planes-differential",
		Description: "word count and an acked sequence without faults, once on the single-executor plane and " +
			"once on the lanes plane real workers run: both give the same exact counts and ack every number once",
		Run: runPlanesDifferential})
}

// Planes-differential parameters: enough numbers and sentences to keep
// every lane busy across many scheduler draws, few enough for a test.
const (
	diffSentences  = 2000
	diffMessages   = 20_000
	diffMaxPending = 200
	diffRun        = 60 * time.Second
)

// executorsOf returns the executors of a worker's running plane: the one
// of a single plane, a lane's each of a stepped lanes plane.
func executorsOf(wm *worker.Machine) []*task.Executor {
	if e := wm.Executor(); e != nil {
		return []*task.Executor{e}
	}
	if p, ok := wm.Plane().(*lanes.Stepped); ok {
		return p.Executors()
	}
	return nil
}

// measureLanes records which plane the run's workers ran and, for lanes,
// what the live workers' planes dropped and their deepest queue.
func (c *cluster) measureLanes(on bool, m map[string]float64) {
	m["lanes"] = 0
	if !on {
		return
	}
	m["lanes"] = 1
	var dropped, deepest int64
	for _, w := range c.w.Workers() {
		if wm, ok := w.Machine().(*worker.Machine); ok {
			if p, ok := wm.Plane().(*lanes.Stepped); ok {
				dropped += p.Stats().Dropped
				deepest = max(deepest, p.Stats().QueueMax)
			}
		}
	}
	m["lane_drops"], m["lane_queue_max"] = float64(dropped), float64(deepest)
}

// planeOutcome is what a run of both topologies ended with.
type planeOutcome struct {
	counts map[string]int64
	acked  []int // acks per number, index seq-1
	saw    []int // sink arrivals per number
}

// runPlanesOnce runs word count and the sequence on one plane and returns
// the cluster (still open) and what the topologies recorded.
func runPlanesOnce(opts Options, onLanes bool) (*cluster, planeOutcome, error) {
	shape := dataShape()
	shape.lanes, shape.laneBounds = onLanes, lanes.DefaultBounds
	c := newCluster(opts, shape)
	all := newLedger()
	c.useLedger(all)
	wc, err := examples.WordCount("wordcount", 3, diffSentences)
	if err == nil {
		wc.Config.StatsSampleRate = 1
	}
	c.submitTopology(wc, err)
	c.submitTopology(examples.SequenceTopology("sequence", 3, diffMessages, specTimeout, diffMaxPending))
	err = c.w.RunUntil(at(diffRun))
	led := all.of("sequence")
	out := planeOutcome{counts: c.wordCounts(), acked: make([]int, diffMessages), saw: make([]int, diffMessages)}
	for seq := int64(1); seq <= diffMessages; seq++ {
		out.acked[seq-1], out.saw[seq-1] = led.acked.Count(seq), led.saw.Count(seq)
	}
	return c, out, err
}

func runPlanesDifferential(opts Options) Result {
	start := time.Now()
	single, one, err := runPlanesOnce(opts, false)
	violations := slices.Clone(single.violations)
	if err != nil && len(violations) == 0 {
		violations = append(violations, "single plane: "+err.Error())
	}
	if closeErr := single.w.Close(); closeErr != nil {
		violations = append(violations, "single plane: "+closeErr.Error())
	}
	c, two, err := runPlanesOnce(opts, true)
	c.violations = append(violations, c.violations...)
	if err == nil {
		c.comparePlanes(one, two)
	}
	measures := map[string]float64{"sentences": diffSentences, "messages": diffMessages}
	c.measureLanes(true, measures)
	measures["acked_single"], measures["acked_lanes"] = float64(acked(one.acked)), float64(acked(two.acked))
	return c.finish("planes-differential", opts, start, err, measures)
}

func acked(counts []int) int {
	n := 0
	for _, k := range counts {
		if k > 0 {
			n++
		}
	}
	return n
}

// comparePlanes requires both planes' outcomes to be the exact ones: every
// word counted as often as the input holds it, every number acked once and
// seen once at the sink; so they are identical.
func (c *cluster) comparePlanes(single, onLanes planeOutcome) {
	want := examples.ExpectedCounts(diffSentences)
	for _, o := range []struct {
		name   string
		counts map[string]int64
	}{{"single", single.counts}, {"lanes", onLanes.counts}} {
		if len(o.counts) != len(want) {
			c.violate("%s plane: got %d distinct words counted, want %d", o.name, len(o.counts), len(want))
		}
		for _, word := range slices.Sorted(maps.Keys(want)) {
			if o.counts[word] != want[word] {
				c.violate("%s plane: word %q counted %d times, want %d", o.name, word, o.counts[word], want[word])
				break
			}
		}
	}
	for _, word := range slices.Sorted(maps.Keys(want)) {
		if single.counts[word] != onLanes.counts[word] {
			c.violate("word %q: got %d on the lanes plane, %d on the single plane", word, onLanes.counts[word], single.counts[word])
			break
		}
	}
	for i := range single.acked {
		if single.acked[i] != onLanes.acked[i] || single.acked[i] != 1 || onLanes.saw[i] != single.saw[i] {
			c.violate("number %d: got acked %d and seen %d times on the lanes plane, %d and %d on the single plane, want 1 and equal",
				i+1, onLanes.acked[i], onLanes.saw[i], single.acked[i], single.saw[i])
			break
		}
	}
}
