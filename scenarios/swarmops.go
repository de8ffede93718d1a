package scenarios

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// Swarm client operations: every seed with a free slot adds a topology of
// its own that a user submits, kills, rebalances (with and without a wait),
// activates, deactivates and reads during the fault window, through the
// cluster's client, whose whole history (these calls and the spec's own
// submits and steps) must be linearizable (check "linearizable").
const (
	swarmOpsSalt     = 0x636c6965_6e746f70 // "clientop": the operations' own generator
	swarmOpsMin      = 6
	swarmOpsSpread   = 10 // a seed draws min + [0, spread) operations
	swarmOpsWaitMax  = 4 * time.Second
	swarmOpsNoWaitP  = 0.4 // chance a kill or rebalance asks no wait
	swarmOpsReadLate = 2 * time.Second
)

// swarmClientOps adds the seed's client operations. Its draws come from a
// generator of their own, so the seeds' shapes, faults and activation stay
// as they were; a seed whose topologies take every slot gets none.
func swarmClientOps(seed uint64, s *Spec) {
	r := rand.New(rand.NewPCG(seed, swarmOpsSalt))
	free := s.Cluster.Supervisors * s.Cluster.Slots
	for _, t := range s.Topologies {
		free -= t.Workers
	}
	s.Expect = append(s.Expect, Expectation{Check: "linearizable"}, Expectation{Check: "pending_done"})
	if free < 1 {
		return
	}
	name := "ops-" + strconv.Itoa(len(s.Topologies)+1)
	t := TopologySpec{Name: name, Example: "wordcount", Workers: 1}
	if s.Cluster.DataPlane {
		t.Sentences = swarmSentences
	}
	s.Topologies = append(s.Topologies, t)
	c := s.Chaos
	span := int64(c.Until - c.From)
	first := c.From + time.Duration(r.Int64N(span/4)).Round(100*time.Millisecond)
	s.Timeline = append(s.Timeline, Step{At: first, Do: "submit", Topology: name})
	for range swarmOpsMin + r.IntN(swarmOpsSpread) {
		when := (c.From + time.Duration(r.Int64N(span))).Round(100 * time.Millisecond)
		s.Timeline = append(s.Timeline, swarmOpStep(r, when, name, free))
	}
	s.Timeline = append(s.Timeline, Step{At: c.Until + swarmOpsReadLate, Do: "status", Topology: name})
	sortSteps(s.Timeline)
}

// swarmOpStep draws one operation on topology name at when; a rebalance
// asks for at most free workers, so that it can be placed.
func swarmOpStep(r *rand.Rand, when time.Duration, name string, free int) Step {
	st := Step{At: when, Topology: name}
	wait := time.Duration(r.Int64N(int64(swarmOpsWaitMax))).Round(100 * time.Millisecond)
	if r.Float64() < swarmOpsNoWaitP {
		wait = 0
	}
	switch x := r.IntN(100); {
	case x < 25:
		st.Do = "status"
	case x < 35:
		st.Do = "submit"
	case x < 45:
		st.Do, st.Wait = "kill", wait
	case x < 60:
		st.Do = "activate"
	case x < 78:
		st.Do = "deactivate"
	default:
		st.Do, st.Wait, st.Workers = "rebalance", wait, 1+r.IntN(min(free, 2))
	}
	return st
}

// sortSteps orders a timeline by time, stably: the engine schedules steps
// of one instant in their order.
func sortSteps(steps []Step) {
	slices.SortStableFunc(steps, func(a, b Step) int { return cmp.Compare(a.At, b.At) })
}

// swarmJoinSalt seeds the draw of the join example: half the data-plane
// seeds run it instead of the plain sequence, so that the sink's fields
// grouping reads a two-field stream (seq, nonce) whose nonce changes at
// every replay.
const swarmJoinSalt = 0x6a6f696e_5f763100 // "join_v1"

func swarmJoin(seed uint64, s *Spec) {
	r := rand.New(rand.NewPCG(seed, swarmJoinSalt))
	for i := range s.Topologies {
		if t := &s.Topologies[i]; t.Example == "sequence" && r.IntN(2) == 0 {
			// Half as many numbers in flight: a joined number costs twice
			// the tuples, and the swarm's time goes to them.
			t.Example, t.MaxPending = "join", swarmMaxPending/2
		}
	}
}

// Swarm load: one data-plane seed in swarmLoadOneIn with a free slot runs a
// cycle whose slow drain holds more trees than the inbox's high mark, so
// that backpressure engages; it is deactivated after swarmLoadFor, so the
// trees drain and the pressure must lift (check "backpressure").
const (
	swarmLoadSalt    = 0x6c6f6164_5f763100 // "load_v1"
	swarmLoadOneIn   = 4
	swarmLoadPending = 12_000 // per spout task: past the high mark together
	swarmLoadFor     = 3 * time.Second
)

func swarmLoad(seed uint64, s *Spec) {
	// The seed is mixed first: PCG streams that share their state and
	// differ only in the increment start correlated, and with the bare seed
	// every load seed in 1-200 fell on a lanes seed (swarmLanes draws from
	// the same seed), leaving the single plane's backpressure unexercised.
	r := rand.New(rand.NewPCG(seed*0x9e3779b97f4a7c15^swarmLoadSalt, swarmLoadSalt))
	free := s.Cluster.Supervisors * s.Cluster.Slots
	for _, t := range s.Topologies {
		free -= t.Workers
	}
	if r.IntN(swarmLoadOneIn) != 0 || free < 2 || !s.Cluster.DataPlane {
		return // one slot stays free for the ops topology's rebalance
	}
	name := "cycle-" + strconv.Itoa(len(s.Topologies)+1)
	at := s.Chaos.From + time.Duration(r.Int64N(int64(5*time.Second))).Round(100*time.Millisecond)
	s.Topologies = append(s.Topologies, TopologySpec{Name: name, Example: "cycle", Workers: 1,
		MaxPending: swarmLoadPending, At: at})
	// A slow start (swarmStartFaults) may hold the cycle's worker back by
	// up to StartLatencyMax: the load runs swarmLoadFor once it can start.
	off := (at + swarmLoadFor + s.Cluster.StartLatencyMax).Round(100 * time.Millisecond)
	s.Timeline = append(s.Timeline, Step{At: off, Do: "deactivate", Topology: name})
	sortSteps(s.Timeline)
}
