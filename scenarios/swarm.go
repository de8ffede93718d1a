package scenarios

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Swarm shape and time bounds. Each seed draws its cluster and its fault
// rates; the fault window and the liveness bound are chosen so that a seed
// takes about a tenth of a second of wall time on one core.
const (
	swarmChaosFrom   = 5 * time.Second
	swarmChaosMin    = 20 * time.Second
	swarmChaosSpread = 40 * time.Second // the window lasts min + [0, spread)
	swarmLiveness    = 60 * time.Second
	swarmSettle      = 5 * time.Second // safety checks go on this long after convergence
	swarmSentences   = 2000
	// The sequence topology starts with the faults and keeps at most
	// swarmMaxPending numbers in flight, so that its numbers flow, slowly,
	// through the whole fault window; swarmMessages is more than it can
	// send in a run.
	swarmMessages       = 10_000_000
	swarmMaxPending     = 10
	swarmSeedSalt       = 0x73776172_6d5f7631 // "swarm_v1": the spec's own generator
	swarmEnabledP       = 0.8                 // chance each fault kind is enabled
	swarmLostReplyP     = 0.7                 // chance replies are lost at all
	swarmDataPlaneOneIn = 4
	// A data-plane seed runs lanes one in swarmLanesOneIn, and those one in
	// swarmTightOneIn with a hard queue bound of laneQueueMaxMin times 2^k,
	// k < swarmTightSteps.
	swarmLanesSalt  = 0x6c616e65_735f7631 // "lanes_v1"
	swarmLanesOneIn = 2
	swarmTightOneIn = 3
	swarmTightSteps = 5
)

// SwarmSpec derives a swarm seed's scenario from the seed alone: the
// cluster shape (1-3 nimbuses, 2-5 supervisors, 2-4 slots each, data plane
// on or off, one or two topologies), a window of random faults with drawn
// rates over every fault kind, and a liveness phase. The world's own
// generator, seeded by the same seed, drives the run itself.
func SwarmSpec(seed uint64) *Spec {
	r := rand.New(rand.NewPCG(seed, swarmSeedSalt))
	s := &Spec{Name: "swarm-" + strconv.FormatUint(seed, 10),
		Description: fmt.Sprintf("swarm seed %d: drawn shape and fault rates", seed)}
	s.Cluster = ClusterSpec{Nimbuses: 1 + r.IntN(3), Supervisors: 2 + r.IntN(4), Slots: 2 + r.IntN(3),
		DataPlane: r.IntN(swarmDataPlaneOneIn) == 0}
	slots := s.Cluster.Supervisors * s.Cluster.Slots
	for i := range 1 + r.IntN(2) {
		workers := min(1+r.IntN(3), max(1, slots/2))
		slots -= workers
		if workers < 1 || slots < 0 {
			break
		}
		t := TopologySpec{Name: "wordcount-" + strconv.Itoa(i+1), Example: "wordcount", Workers: workers}
		if s.Cluster.DataPlane {
			t.Sentences = swarmSentences
		}
		s.Topologies = append(s.Topologies, t)
	}
	s.Cluster.Lanes, s.Cluster.LaneQueueMax = swarmLanes(seed, s.Cluster.DataPlane)
	if s.Cluster.DataPlane && len(s.Topologies) > 0 {
		// The last topology runs the reliable sequence spout, so the
		// swarm checks at-least-once through its faults. No draw: the
		// shapes of seeds without a data plane stay as they were.
		t := &s.Topologies[len(s.Topologies)-1]
		t.Name = "sequence-" + strconv.Itoa(len(s.Topologies))
		t.Example, t.Sentences, t.Messages = "sequence", 0, swarmMessages
		t.MaxPending, t.At = swarmMaxPending, swarmChaosFrom
	}
	c := &ChaosSpec{From: swarmChaosFrom, Workers: true, Weights: map[string]float64{}}
	c.Until = c.From + swarmChaosMin + time.Duration(r.Int64N(int64(swarmChaosSpread))).Round(time.Second)
	for _, k := range faultNames {
		if r.Float64() < swarmEnabledP {
			c.Weights[k] = round3(r.Float64())
		}
	}
	c.Weights["crash"] += 0.1 // never a run without faults
	c.Every = (500*time.Millisecond + time.Duration(r.Int64N(int64(4*time.Second)))).Round(time.Millisecond)
	if r.Float64() < swarmLostReplyP {
		c.LostReply = round3(r.Float64() * lostReplyMax)
	}
	s.Chaos = c
	swarmStartFaults(seed, s)
	s.Liveness = swarmLiveness
	s.StopAfterConverged = swarmSettle
	s.Expect = []Expectation{{Check: "leader"}, {Check: "capacity"}}
	if s.Cluster.DataPlane && len(s.Topologies) > 0 {
		s.Expect = append(s.Expect, Expectation{Check: "at_least_once"})
		swarmActivation(seed, s)
	}
	return s
}

// Swarm activation: a data-plane seed deactivates one of its topologies
// during the fault window and activates it again after a drawn pause.
const (
	swarmActivationSalt = 0x61637469_76617465 // "activate"
	swarmPauseMin       = 2 * time.Second
	swarmPauseSpread    = 6 * time.Second
)

// swarmActivation adds the deactivation and the check that no spout of a
// worker that knows its topology is inactive emits. Its draws come from a
// generator of their own, so the seeds' shapes and faults stay as they were.
func swarmActivation(seed uint64, s *Spec) {
	r := rand.New(rand.NewPCG(seed, swarmActivationSalt))
	t := s.Topologies[r.IntN(len(s.Topologies))]
	c := s.Chaos
	window := c.Until - c.From - swarmPauseMin - swarmPauseSpread
	off := (c.From + time.Second + time.Duration(r.Int64N(int64(window)))).Round(100 * time.Millisecond)
	pause := (swarmPauseMin + time.Duration(r.Int64N(int64(swarmPauseSpread)))).Round(100 * time.Millisecond)
	s.Timeline = append(s.Timeline, Step{At: off, Do: "deactivate", Topology: t.Name},
		Step{At: off + pause, Do: "activate", Topology: t.Name})
	s.Expect = append(s.Expect, Expectation{Check: "inactive_no_emits"})
}

// swarmLanes draws whether a data-plane seed runs the lanes plane, and
// then whether with a tight hard bound, from a generator of its own so
// that the rest of every seed's shape stays as it was.
func swarmLanes(seed uint64, dataPlane bool) (lanes bool, queueMax int) {
	if !dataPlane {
		return false, 0
	}
	r := rand.New(rand.NewPCG(seed, swarmLanesSalt))
	if r.IntN(swarmLanesOneIn) != 0 {
		return false, 0
	}
	if r.IntN(swarmTightOneIn) == 0 {
		queueMax = laneQueueMaxMin << r.IntN(swarmTightSteps)
	}
	return true, queueMax
}

// Swarm worker start faults: some seeds make starts slow (an artifact
// download and a fork take time), some make fetches fail.
const (
	swarmStartSalt       = 0x73746172_74666c74 // "startflt"
	swarmStartSlowP      = 0.5
	swarmStartLatencyMax = 4 * time.Second // below the supervisor's 10 s start timeout
	swarmFetchFailP      = 0.5
	swarmFetchFailureMax = 0.4
)

// swarmStartFaults draws the seed's start latency and fetch failure rate,
// from a generator of their own, so the seeds' shapes and faults stay as
// they were.
func swarmStartFaults(seed uint64, s *Spec) {
	r := rand.New(rand.NewPCG(seed, swarmStartSalt))
	if r.Float64() < swarmStartSlowP {
		s.Cluster.StartLatencyMax = time.Duration(1+r.Int64N(int64(swarmStartLatencyMax/time.Millisecond))) * time.Millisecond
	}
	if r.Float64() < swarmFetchFailP {
		s.Cluster.FetchFailure = round3(r.Float64() * swarmFetchFailureMax)
	}
}

func round3(v float64) float64 { return float64(int(v*1000+0.5)) / 1000 }

// SwarmResult is one swarm seed's outcome and the spec it ran.
type SwarmResult struct {
	Result
	Spec *Spec `json:"-"`
}

// RunSwarmSeed runs one swarm seed.
func RunSwarmSeed(seed uint64, opts Options) SwarmResult {
	s := SwarmSpec(seed)
	opts.Seed = seed
	res := RunSpec(s, opts)
	res.Scenario = "swarm"
	return SwarmResult{Result: res, Spec: s}
}

// SwarmReplayCommand is the command that replays a swarm seed.
func SwarmReplayCommand(seed uint64) string {
	return fmt.Sprintf("go run ./cmd/squall sim replay --swarm --seed %d", seed)
}

// Swarm runs seeds from..to (inclusive) on parallel goroutines and calls
// report once per seed, in seed order, from the calling goroutine. Results
// do not depend on parallel: each seed runs its own world.
func Swarm(from, to uint64, parallel int, opts Options, report func(SwarmResult)) {
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	n := int(to - from + 1)
	results := make([]*SwarmResult, n)
	done := make(chan int, n)
	next := make(chan uint64)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() { // ends when next is closed and drained
			defer wg.Done()
			for seed := range next {
				r := runSwarmSafely(seed, opts)
				results[seed-from] = &r
				done <- int(seed - from)
			}
		}()
	}
	go func() { // feeds seeds; ends after the last
		for seed := from; seed <= to; seed++ {
			next <- seed
		}
		close(next)
	}()
	ready := make([]bool, n)
	for emitted := 0; emitted < n; {
		ready[<-done] = true
		for emitted < n && ready[emitted] {
			report(*results[emitted])
			results[emitted] = nil
			emitted++
		}
	}
	wg.Wait()
}

// runSwarmSafely runs a seed and turns a panic (a failed assertion in a
// machine) into a failing result, so that one seed cannot stop the swarm.
func runSwarmSafely(seed uint64, opts Options) (r SwarmResult) {
	defer func() {
		if p := recover(); p != nil {
			r = SwarmResult{Result: Result{Scenario: "swarm", Seed: seed, Verdict: Fail,
				Violations: []string{fmt.Sprintf("panic: %v", p)}, Measures: map[string]float64{}},
				Spec: SwarmSpec(seed)}
		}
	}()
	return RunSwarmSeed(seed, opts)
}

// Format prints a spec in the scenario file format; ParseFile reads it back
// to an equal spec.
func (s *Spec) Format() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\n", s.Name)
	if s.Description != "" {
		fmt.Fprintf(&b, "description: %s\n", strconv.Quote(s.Description))
	}
	if s.Engine != "" {
		fmt.Fprintf(&b, "engine: %s\n", s.Engine)
	}
	c := s.Cluster
	fmt.Fprintf(&b, "cluster:\n  nimbuses: %d\n  supervisors: %d\n  slots: %d\n  data_plane: %v\n",
		c.Nimbuses, c.Supervisors, c.Slots, c.DataPlane)
	if c.Lanes {
		fmt.Fprintf(&b, "  lanes: true\n")
	}
	if c.LaneQueueMax > 0 {
		fmt.Fprintf(&b, "  lane_queue_max: %d\n", c.LaneQueueMax)
	}
	if c.CPU > 0 {
		fmt.Fprintf(&b, "  cpu: %d\n", c.CPU)
	}
	if c.StartLatencyMax > 0 {
		fmt.Fprintf(&b, "  start_latency_max: %s\n", c.StartLatencyMax)
	}
	if c.FetchFailure > 0 {
		fmt.Fprintf(&b, "  fetch_failure: %g\n", c.FetchFailure)
	}
	if len(s.Topologies) > 0 {
		b.WriteString("topologies:\n")
		for _, t := range s.Topologies {
			formatTopology(&b, t)
		}
	}
	if len(s.Timeline) > 0 {
		b.WriteString("timeline:\n")
		for _, st := range s.Timeline {
			formatStep(&b, st)
		}
	}
	if ch := s.Chaos; ch != nil {
		fmt.Fprintf(&b, "chaos:\n  from: %s\n  until: %s\n", ch.From, ch.Until)
		if ch.Every > 0 {
			fmt.Fprintf(&b, "  every: %s\n", ch.Every)
		}
		fmt.Fprintf(&b, "  lost_reply: %g\n  workers: %v\n", ch.LostReply, ch.Workers)
		if ch.Weights != nil {
			b.WriteString("  weights:\n")
			for _, k := range sortedKeys(ch.Weights) {
				fmt.Fprintf(&b, "    %s: %g\n", k, ch.Weights[k])
			}
		}
	}
	if s.Liveness > 0 {
		fmt.Fprintf(&b, "liveness: %s\n", s.Liveness)
	}
	if s.RunFor > 0 {
		fmt.Fprintf(&b, "run_for: %s\n", s.RunFor)
	}
	if s.StopAfterConverged > 0 {
		fmt.Fprintf(&b, "stop_after_converged: %s\n", s.StopAfterConverged)
	}
	if len(s.Expect) > 0 {
		b.WriteString("expect:\n")
		for _, x := range s.Expect {
			formatExpect(&b, x)
		}
	}
	return []byte(b.String())
}

func formatTopology(b *strings.Builder, t TopologySpec) {
	fmt.Fprintf(b, "  - name: %s\n    example: %s\n    workers: %d\n", t.Name, t.Example, t.Workers)
	opt := func(key string, v any, set bool) {
		if set {
			fmt.Fprintf(b, "    %s: %v\n", key, v)
		}
	}
	opt("at", t.At, t.At > 0)
	opt("sentences", t.Sentences, t.Sentences > 0)
	opt("messages", t.Messages, t.Messages > 0)
	opt("timeout", t.Timeout, t.Timeout > 0)
	opt("max_pending", t.MaxPending, t.MaxPending > 0)
	opt("cost", strconv.Quote(t.Cost), t.Cost != "")
}

func formatStep(b *strings.Builder, st Step) {
	fmt.Fprintf(b, "  - at: %s\n    do: %s\n", st.At, st.Do)
	opt := func(key string, v any, set bool) {
		if set {
			fmt.Fprintf(b, "    %s: %v\n", key, v)
		}
	}
	opt("node", st.Node, st.Node != "")
	opt("peer", st.Peer, st.Peer != "")
	opt("topology", st.Topology, st.Topology != "")
	opt("for", st.For, st.For > 0)
	opt("wait", st.Wait, st.Wait > 0)
	opt("rate", st.Rate, st.Rate != 0)
	opt("workers", st.Workers, st.Workers > 0)
	opt("count", st.Count, st.Count > 0)
	opt("check", st.Check, st.Check != "")
	if len(st.Parallelism) > 0 {
		var parts []string
		for _, k := range sortedKeys(st.Parallelism) {
			parts = append(parts, fmt.Sprintf("%s: %d", k, st.Parallelism[k]))
		}
		fmt.Fprintf(b, "    parallelism: {%s}\n", strings.Join(parts, ", "))
	}
}

func formatExpect(b *strings.Builder, x Expectation) {
	if x.Check != "" {
		fmt.Fprintf(b, "  - check: %s\n", x.Check)
		return
	}
	fmt.Fprintf(b, "  - measure: %s\n", x.Measure)
	if x.Min != nil {
		fmt.Fprintf(b, "    min: %g\n", *x.Min)
	}
	if x.Max != nil {
		fmt.Fprintf(b, "    max: %g\n", *x.Max)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
