package scenarios

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
	"github.com/squall/squall/sim"
)

func init() {
	register(Scenario{
		Name: "election-chaos",
		Description: "3-5 election candidates under crashes, pauses, partitions, clogging, " +
			"session expiries, ZooKeeper outages and lost replies; no deposed leader's write " +
			"succeeds, and one leader holds after the faults stop",
		Run: runElectionChaos,
	})
}

// Election-chaos phases and bounds.
const (
	electionFaultPhase = 2 * time.Minute
	// electionLivenessBound is the virtual time within which, after the last
	// fault is healed, exactly one leader must hold: the longest fault still
	// under way, a session timeout for dead sessions to expire, five ranks of
	// claim delay, and slack.
	electionLivenessBound = healBound + 4*time.Second + 5*500*time.Millisecond + 10*time.Second
	electionWritePeriod   = 200 * time.Millisecond
	electionPollPeriod    = 100 * time.Millisecond
)

// BreakUnfenced is the Break option that builds candidates whose leader
// writes without checking its election node.
const BreakUnfenced = "unfenced"

type electionRun struct {
	w          *sim.World
	nodes      []*sim.Node
	leaderPath string
	counter    string
	violations []string
	stableAt   core.Time // since when exactly one leader holds; -1 if not now
}

func runElectionChaos(opts Options) Result {
	start := time.Now()
	w := sim.New(sim.Config{Seed: opts.Seed, Trace: opts.Trace, Observe: opts.Observe})
	r := w.Rand()
	run := &electionRun{w: w, stableAt: -1}
	candidates := 3 + r.IntN(3)
	if opts.Nodes > 0 {
		candidates = opts.Nodes
	}
	for i := range candidates {
		cfg := election.Config{
			ID:          core.NodeID("nimbus-" + strconv.Itoa(i+1)),
			Address:     "nimbus-" + strconv.Itoa(i+1) + ":6627",
			Priority:    r.IntN(3),
			WritePeriod: electionWritePeriod,
		}
		cfg.TestOnlyUnfenced = opts.Break == BreakUnfenced
		n := w.AddNode(sim.NodeConfig{
			ID: cfg.ID, ZK: true,
			New: func(*rand.Rand) core.Machine { return election.New(cfg) },
		})
		run.nodes = append(run.nodes, n)
	}
	probe := election.New(election.Config{ID: "probe"})
	_, run.leaderPath, run.counter = probe.Paths()
	w.OnZKApply(run.checkWrite)

	faultPhase := electionFaultPhase
	if opts.FaultPhase > 0 {
		faultPhase = opts.FaultPhase
	}
	c := newChaos(w, run.nodes)
	c.start()
	healAt := core.Time(0).Add(faultPhase)
	end := healAt.Add(electionLivenessBound)
	w.At(healAt, "heal", c.heal)
	run.poll(healAt)
	err := w.RunUntil(end)

	res := Result{Scenario: "election-chaos", Seed: opts.Seed, Measures: map[string]float64{}}
	res.Violations = append(res.Violations, run.violations...)
	if err != nil && len(run.violations) == 0 {
		res.Violations = append(res.Violations, err.Error())
	}
	if len(res.Violations) == 0 {
		res.Violations = run.checkLiveness(healAt)
	}
	run.measure(res.Measures, healAt)
	c.measure(res.Measures)
	res.Measures["candidates"] = float64(candidates)
	return finish(res, w, start)
}

// finish fills in the fields every scenario's result shares.
func finish(res Result, w *sim.World, start time.Time) Result {
	res.Verdict = Pass
	if len(res.Violations) > 0 {
		res.Verdict = Fail
	}
	if res.Violations == nil {
		res.Violations = []string{}
	}
	res.VirtualSeconds = float64(w.Now()) / float64(time.Second)
	res.WallSeconds = time.Since(start).Seconds()
	res.Events = w.Events()
	res.TraceHash = fmt.Sprintf("%016x", w.TraceHash())
	if err := w.Close(); err != nil {
		res.Violations = append(res.Violations, err.Error())
		res.Verdict = Fail
	}
	return res
}

// checkWrite is the safety invariant, checked on every request the ensemble
// applies: a successful write of the fenced counter must come from the
// session that holds the leader node at that moment. A deposed leader's
// write that succeeds breaks it.
func (run *electionRun) checkWrite(a sim.Applied) {
	if a.Reply.Code != core.CodeOK || !writesPath(a.Req, run.counter) {
		return
	}
	_, stat, ok := run.w.ZK().Lookup(run.leaderPath)
	if ok && stat.EphemeralOwner == a.Session {
		return
	}
	holder := "nobody"
	if ok {
		holder = string(run.w.SessionNode(stat.EphemeralOwner))
	}
	run.violations = append(run.violations, fmt.Sprintf(
		"%s: write by deposed leader %s (session %#x) succeeded while %s held leadership",
		run.w.Now(), a.Node, int64(a.Session), holder))
	run.w.Fail(fmt.Errorf("safety violated"))
}

func writesPath(req core.Request, path string) bool {
	switch req := req.(type) {
	case core.SetData:
		return req.Path == path
	case core.Multi:
		for _, op := range req.Ops {
			if writesPath(op, path) {
				return true
			}
		}
	}
	return false
}

// poll samples, from healAt on, whether exactly one leader holds, and since when.
func (run *electionRun) poll(healAt core.Time) {
	run.w.At(healAt, "poll", func() { run.sample() })
}

func (run *electionRun) sample() {
	if _, ok := run.soleLeader(); ok {
		if run.stableAt < 0 {
			run.stableAt = run.w.Now()
		}
	} else {
		run.stableAt = -1
	}
	run.w.After(electionPollPeriod, "poll", run.sample)
}

// soleLeader returns the one node that believes it leads, if exactly one does
// and ZooKeeper agrees: the leader node is owned by its current session.
func (run *electionRun) soleLeader() (*sim.Node, bool) {
	var leader *sim.Node
	for _, n := range run.nodes {
		if c, ok := n.Machine().(*election.Candidate); ok && n.Up() && c.IsLeader() {
			if leader != nil {
				return nil, false
			}
			leader = n
		}
	}
	if leader == nil {
		return nil, false
	}
	_, stat, ok := run.w.ZK().Lookup(run.leaderPath)
	return leader, ok && stat.EphemeralOwner == leader.Session()
}

func (run *electionRun) checkLiveness(healAt core.Time) []string {
	leader, ok := run.soleLeader()
	if !ok || run.stableAt < 0 {
		return []string{fmt.Sprintf("%s: no single leader holds %s after the faults stopped",
			run.w.Now(), electionLivenessBound)}
	}
	var out []string
	for _, n := range run.nodes {
		c := n.Machine().(*election.Candidate)
		if n != leader && c.Leader() != leader.ID() {
			out = append(out, fmt.Sprintf("%s: %s follows %q, not the leader %s",
				run.w.Now(), n.ID(), c.Leader(), leader.ID()))
		}
	}
	return out
}

func (run *electionRun) measure(m map[string]float64, healAt core.Time) {
	var total election.Stats
	for _, n := range run.nodes {
		if c, ok := n.Machine().(*election.Candidate); ok {
			s := c.Stats()
			total.Terms += s.Terms
			total.Claims += s.Claims
			total.WritesOK += s.WritesOK
			total.WritesRejected += s.WritesRejected
		}
	}
	// Machines restarted by crashes start their counters again; these count
	// what the last incarnation of each candidate saw.
	m["leader_terms"] = float64(total.Terms)
	m["claims"] = float64(total.Claims)
	m["writes_ok"] = float64(total.WritesOK)
	m["writes_rejected"] = float64(total.WritesRejected)
	if run.stableAt >= 0 {
		m["time_to_leader_s"] = run.stableAt.Sub(healAt).Seconds()
	}
}
