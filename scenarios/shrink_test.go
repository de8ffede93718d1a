package scenarios

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/sim"
)

// The cluster state machine: rapid draws a sequence of client operations,
// faults and time steps, applies each to a simulated cluster at the current
// virtual time, and checks the safety invariants after every one. At the
// end everything is healed and the cluster must converge within a liveness
// bound. A failure shrinks to a minimal sequence, which the schedule writes
// as a scenario file.

// smWorkers are the topologies the machine submits and their workers.
var smWorkers = map[string]int{"alpha": 3, "beta": 2}

// smLiveness is the bound within which the healed cluster must converge:
// the control-plane bound plus the longest pause the machine draws.
const smLiveness = livenessBound + smPauseMax

// Bounds of drawn durations.
const (
	smPauseMax  = 8 * time.Second
	smOutageMax = 6 * time.Second
	smShortMax  = 2 * time.Second
	smLongMax   = 20 * time.Second
)

type smRun struct {
	c       *cluster
	sched   *schedule
	targets []string // fault targets: nimbuses, supervisors, the leader
	crashed []string
	healers []healer
	// windowsEnd is when the last pause or outage ends: the liveness phase
	// starts after it, as a file's does.
	windowsEnd time.Duration
	finished   bool // the faults stopped: the schedule is final
}

// smMachine returns rapid's property: a cluster built with brk, driven by
// drawn actions. last receives each run's schedule (after rapid shrinks, the
// minimal one runs last); dir, when set, receives a failing run's file.
func smMachine(brk string, last **schedule, dir string) func(*rapid.T) {
	return func(t *rapid.T) {
		seed := rapid.Uint64Range(1, 1<<20).Draw(t, "seed")
		opts := Options{Seed: seed, Break: brk}
		shape := shapeFor(opts)
		m := &smRun{c: newCluster(opts, shape), sched: newSchedule("shrunk-"+orName(brk), seed, brk, shape)}
		*last = m.sched
		for _, n := range append(slices.Clone(m.c.nimbuses), m.c.sups...) {
			m.targets = append(m.targets, string(n.ID()))
		}
		m.targets = append(m.targets, "leader")
		t.Repeat(m.actions(t, dir))
		m.liveness(t, dir)
	}
}

func orName(brk string) string {
	if brk == "" {
		return "cluster"
	}
	return brk
}

func (m *smRun) now() time.Duration { return time.Duration(m.c.w.Now()) }

func (m *smRun) actions(t *rapid.T, dir string) map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"": func(t *rapid.T) {
			if len(m.c.violations) > 0 {
				m.fail(t, dir, "invariant violated: %s", strings.Join(m.c.violations, "; "))
			}
		},
		"submit":     m.submit,
		"kill":       m.kill,
		"activate":   func(t *rapid.T) { m.call(t, protocol.OpActivate, 0, 0) },
		"deactivate": func(t *rapid.T) { m.call(t, protocol.OpDeactivate, 0, 0) },
		"status":     func(t *rapid.T) { m.call(t, protocol.OpStatus, 0, 0) },
		"rebalance":  m.rebalance,
		"crash":      m.crash,
		"restart":    m.restart,
		"partition":  m.partition,
		"heal":       m.heal,
		"heal_all":   m.healAll,
		"expire":     m.expire,
		"zk_outage":  m.outage,
		"lost_replies": func(t *rapid.T) {
			rate := rapid.SampledFrom([]float64{0, 0.05}).Draw(t, "rate")
			m.c.w.SetLostReplyRate(rate)
			m.sched.add(schedStep{At: m.now(), Do: "lost_replies", Rate: rate})
		},
		"pause":    m.pause,
		"run":      func(t *rapid.T) { m.run(t, smShortMax) },
		"run_long": func(t *rapid.T) { m.run(t, smLongMax) },
	}
}

func (m *smRun) topology(t *rapid.T) string {
	return rapid.SampledFrom([]string{"alpha", "beta"}).Draw(t, "topology")
}

func (m *smRun) submit(t *rapid.T) {
	name := m.topology(t)
	m.c.submit(name, smWorkers[name])
	m.sched.workers[name] = smWorkers[name]
	m.sched.add(schedStep{At: m.now(), Do: "submit", Topology: name})
}

func (m *smRun) kill(t *rapid.T) {
	wait := rapid.SampledFrom([]time.Duration{0, 2 * time.Second, 10 * time.Second}).Draw(t, "wait")
	m.call(t, protocol.OpKill, wait, 0)
}

func (m *smRun) rebalance(t *rapid.T) {
	wait := rapid.SampledFrom([]time.Duration{0, 3 * time.Second}).Draw(t, "wait")
	m.call(t, protocol.OpRebalance, wait, rapid.IntRange(1, 4).Draw(t, "workers"))
}

func (m *smRun) call(t *rapid.T, op string, wait time.Duration, workers int) {
	name := m.topology(t)
	m.c.cl.call(protocol.ClientRequest{Op: op, Topology: name, Wait: wait, Workers: workers})
	m.sched.add(schedStep{At: m.now(), Do: op, Topology: name, Wait: wait, Workers: workers})
}

// target draws a fault's target; the node is nil when none fits now.
func (m *smRun) target(t *rapid.T) (string, *sim.Node) {
	name := rapid.SampledFrom(m.targets).Draw(t, "node")
	if name == "leader" {
		return name, m.c.leader()
	}
	for _, n := range append(slices.Clone(m.c.nimbuses), m.c.sups...) {
		if string(n.ID()) == name {
			return name, n
		}
	}
	return name, nil
}

func (m *smRun) crash(t *rapid.T) {
	name, n := m.target(t)
	if n == nil || !n.Up() {
		t.Skip("no such node up")
	}
	m.c.w.Crash(n)
	m.crashed = append(m.crashed, string(n.ID()))
	m.sched.add(schedStep{At: m.now(), Do: "crash", Node: name})
}

func (m *smRun) restart(t *rapid.T) {
	if len(m.crashed) == 0 {
		t.Skip("nothing crashed")
	}
	id := rapid.SampledFrom(m.crashed).Draw(t, "crashed")
	m.crashed = slices.DeleteFunc(m.crashed, func(s string) bool { return s == id })
	for _, n := range append(slices.Clone(m.c.nimbuses), m.c.sups...) {
		if string(n.ID()) == id {
			m.c.w.Restart(n)
		}
	}
	m.sched.add(schedStep{At: m.now(), Do: "restart", Node: id})
}

func (m *smRun) partition(t *rapid.T) {
	name, n := m.target(t)
	peerName := rapid.SampledFrom(append([]string{"zk", "zk"}, m.targets[:len(m.targets)-1]...)).Draw(t, "peer")
	if n == nil || peerName == string(n.ID()) {
		t.Skip("no partition")
	}
	peer := sim.ZKEndpoint
	if peerName != "zk" {
		_, p := m.targetNamed(peerName)
		peer = p.Endpoint()
	}
	for _, h := range m.healers {
		if h.node == string(n.ID()) && h.peer == peerName {
			t.Skip("already partitioned")
		}
	}
	m.c.w.Net().Partition(n.Endpoint(), peer)
	m.sched.add(schedStep{At: m.now(), Do: "partition", Node: name, Peer: peerName})
	m.healers = append(m.healers, healer{node: string(n.ID()), peer: peerName, a: n.Endpoint(), b: peer})
}

func (m *smRun) targetNamed(name string) (string, *sim.Node) {
	for _, n := range append(slices.Clone(m.c.nimbuses), m.c.sups...) {
		if string(n.ID()) == name {
			return name, n
		}
	}
	return name, nil
}

func (m *smRun) heal(t *rapid.T) {
	if len(m.healers) == 0 {
		t.Skip("nothing partitioned")
	}
	i := rapid.IntRange(0, len(m.healers)-1).Draw(t, "partition")
	h := m.healers[i]
	m.healers = slices.Delete(m.healers, i, i+1)
	m.c.w.Net().Heal(h.a, h.b)
	m.sched.add(schedStep{At: m.now(), Do: "heal", Node: h.node, Peer: h.peer})
}

func (m *smRun) healAll(*rapid.T) {
	m.c.w.Net().HealAll()
	m.healers = nil
	m.sched.add(schedStep{At: m.now(), Do: "heal_all"})
}

func (m *smRun) expire(t *rapid.T) {
	name, n := m.target(t)
	if n == nil {
		t.Skip("no such node")
	}
	m.c.w.ExpireSession(n)
	m.sched.add(schedStep{At: m.now(), Do: "expire_session", Node: name})
}

func (m *smRun) outage(t *rapid.T) {
	d := drawDuration(t, "outage", smOutageMax)
	m.c.w.ZKOutage(d)
	m.sched.add(schedStep{At: m.now(), Do: "zk_outage", For: d})
	m.windowsEnd = max(m.windowsEnd, m.now()+d)
}

func (m *smRun) pause(t *rapid.T) {
	name, n := m.target(t)
	if n == nil || !n.Up() {
		t.Skip("no such node up")
	}
	d := drawDuration(t, "pause", smPauseMax)
	m.c.w.Pause(n, d)
	m.sched.add(schedStep{At: m.now(), Do: "pause", Node: name, For: d})
	m.windowsEnd = max(m.windowsEnd, m.now()+d)
}

// drawDuration draws a duration in tenths of a second, at least one.
func drawDuration(t *rapid.T, label string, maxD time.Duration) time.Duration {
	return time.Duration(rapid.IntRange(1, int(maxD/(100*time.Millisecond))).Draw(t, label)) * 100 * time.Millisecond
}

func (m *smRun) run(t *rapid.T, maxD time.Duration) {
	_ = m.c.w.RunFor(drawDuration(t, "run", maxD)) // a violation stops the run; the invariant check reports it
}

// liveness heals everything and requires convergence within smLiveness.
func (m *smRun) liveness(t *rapid.T, dir string) {
	w := m.c.w
	if m.windowsEnd > m.now() {
		_ = w.RunUntil(at(m.windowsEnd))
	}
	if len(m.c.violations) > 0 {
		m.fail(t, dir, "invariant violated: %s", strings.Join(m.c.violations, "; "))
	}
	m.sched.finish(m.now(), smLiveness)
	m.finished = true
	w.SetLostReplyRate(0)
	w.Net().HealAll()
	for _, n := range append(slices.Clone(m.c.nimbuses), m.c.sups...) {
		w.Restart(n)
	}
	converged := false
	m.c.waitFor(w.Now(), "converged", func() bool {
		ok, _ := m.c.converged()
		return ok && m.c.leader() != nil
	}, func() { converged = true })
	_ = w.RunFor(smLiveness)
	if len(m.c.violations) > 0 {
		m.fail(t, dir, "invariant violated: %s", strings.Join(m.c.violations, "; "))
	}
	if !converged {
		_, why := m.c.converged()
		m.fail(t, dir, "not converged with one leader within %s of the heal: %s", smLiveness, why)
	}
}

// fail writes the schedule (when dir is set) and fails the check.
func (m *smRun) fail(t *rapid.T, dir, format string, args ...any) {
	if !m.finished {
		// Heal just after the violation, so that a replay heals after it too.
		m.sched.finish(m.now()+time.Millisecond, smLiveness)
		m.finished = true
	}
	msg := fmt.Sprintf(format, args...)
	m.sched.description = msg
	if len(msg) > smDescriptionMax {
		m.sched.description = msg[:smDescriptionMax] + "..."
	}
	where := ""
	if dir != "" {
		path := filepath.Join(dir, m.sched.name+".yaml")
		if err := os.WriteFile(path, m.sched.YAML(), 0o644); err == nil {
			where = fmt.Sprintf("\nscenario file: %s (replay: go run ./cmd/squall sim run --file %s --seed %d)",
				path, path, m.sched.seed)
		}
	}
	t.Fatalf("%s\nschedule (seed %d):\n%s%s", msg, m.sched.seed, m.sched, where)
}

// healer is a partition in force: its ends as written and as endpoints.
type healer struct {
	node, peer string
	a, b       sim.Endpoint
}

// givenFlags are the flags the command line set. flag.Visit also reports
// flags set later by flag.Set, so they are taken once, before any test sets
// one: otherwise the second test to call withRapidFlags would take its own
// earlier settings for the command line's and run on a random seed.
var givenFlags = sync.OnceValue(func() map[string]bool {
	given := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { given[f.Name] = true })
	return given
})

// withRapidFlags sets rapid's flags for one test, unless the command line
// set them, and restores them after.
func withRapidFlags(t *testing.T, values map[string]string) {
	given := givenFlags()
	for name, v := range values {
		f := flag.Lookup(name)
		if f == nil || given[name] {
			continue
		}
		old := f.Value.String()
		if err := flag.Set(name, v); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = flag.Set(name, old) })
	}
}

// smDescriptionMax bounds the failure message a schedule file carries.
const smDescriptionMax = 160

// smChecks is how many runs the state-machine test makes in make test.
const smChecks = "100"

func TestClusterStateMachine(t *testing.T) {
	// A fixed seed keeps make test deterministic; -rapid.seed=0 explores.
	withRapidFlags(t, map[string]string{"rapid.checks": smChecks, "rapid.seed": "1"})
	dir := os.Getenv("SQUALL_SHRUNK_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	var last *schedule
	rapid.Check(t, smMachine("", &last, dir))
}

// failureTB records rapid's verdict instead of failing the test: the
// broken-build test expects a failure.
type failureTB struct {
	*testing.T
	failed bool
	msgs   []string
}

func (f *failureTB) Errorf(format string, args ...any) {
	f.failed = true
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}
func (f *failureTB) Error(args ...any)                 { f.Errorf("%s", fmt.Sprint(args...)) }
func (f *failureTB) Fatalf(format string, args ...any) { f.Errorf(format, args...) }
func (f *failureTB) Fatal(args ...any)                 { f.Error(args...) }
func (f *failureTB) Fail()                             { f.failed = true }
func (f *failureTB) FailNow()                          { f.failed = true }
func (f *failureTB) Failed() bool                      { return f.failed }
func (f *failureTB) Logf(string, ...any)               {}
func (f *failureTB) Log(...any)                        {}

// smBreakChecks bounds the runs rapid may take to find the broken build's
// failure; smShrunkStepsMax bounds the shrunk schedule's timeline.
const (
	smBreakChecks    = "200"
	smShrunkStepsMax = 10
)

// smBreakSigns are the violations each broken build shows.
var smBreakSigns = map[string]string{
	BreakUnfencedNimbus: "does not hold leadership", BreakDropTask: "tasks",
	BreakOvercommit: "over capacity", BreakPlanAlone: "assigned to both",
}

func TestStateMachineShrinksBrokenNimbus(t *testing.T) {
	brk := os.Getenv("SQUALL_SM_BREAK")
	if brk == "" {
		brk = BreakUnfencedNimbus
	}
	withRapidFlags(t, map[string]string{"rapid.checks": smBreakChecks, "rapid.nofailfile": "true",
		"rapid.shrinktime": "2s", "rapid.seed": "1"})
	var last *schedule
	ftb := &failureTB{T: t}
	start := time.Now()
	rapid.Check(ftb, smMachine(brk, &last, ""))
	if !ftb.failed {
		t.Fatalf("%s: got no failing run in %s checks, want one", brk, smBreakChecks)
	}
	first, _, _ := strings.Cut(strings.Join(ftb.msgs, "\n"), "\n")
	shrunk := len(last.steps)
	checkRoundTrip(t, last, last.YAML())
	replayFails(t, last, smBreakSigns[brk])
	min := last.minimize(func(s *schedule) bool { return replayFailure(t, s, smBreakSigns[brk]) != "" })
	data := min.YAML()
	path := filepath.Join(t.TempDir(), min.name+".yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s; rapid shrank it to %d steps, minimize to %d, in %s (%s):\n%s", brk, first, shrunk,
		len(min.steps), time.Since(start).Round(time.Millisecond), path, data)
	if len(min.steps) > smShrunkStepsMax {
		t.Errorf("got a minimal schedule of %d steps, want at most %d:\n%s", len(min.steps), smShrunkStepsMax, min)
	}
	checkRoundTrip(t, min, data)
	replayFails(t, min, smBreakSigns[brk])
}

// checkRoundTrip parses the written file back and compares it with the
// schedule.
func checkRoundTrip(t *testing.T, s *schedule, data []byte) {
	t.Helper()
	spec, err := ParseFile(s.name+".yaml", data)
	if err != nil {
		t.Fatalf("the written schedule does not parse: %v\n%s", err, data)
	}
	steps := append(slices.Clone(s.steps), s.healMarker())
	if len(spec.Timeline) != len(steps) {
		t.Fatalf("got %d timeline entries back, want %d", len(spec.Timeline), len(steps))
	}
	for i, st := range spec.Timeline {
		want := steps[i]
		got := schedStep{At: st.At, Do: st.Do, Node: st.Node, Peer: st.Peer, Topology: st.Topology,
			For: st.For, Wait: st.Wait, Workers: st.Workers, Rate: st.Rate}
		if got != want {
			t.Errorf("entry %d: got %+v back, want %+v", i, got, want)
		}
	}
	if spec.Liveness != s.liveness || spec.RunFor != s.end+s.liveness || spec.Cluster.Nimbuses != s.shape.nimbuses {
		t.Errorf("got liveness %s, run_for %s and %d nimbuses back, want %s, %s and %d", spec.Liveness,
			spec.RunFor, spec.Cluster.Nimbuses, s.liveness, s.end+s.liveness, s.shape.nimbuses)
	}
}

// TestScheduleRoundTrip writes every kind of step and parses it back.
func TestScheduleRoundTrip(t *testing.T) {
	s := newSchedule("round-trip", 9, "", defaultShape())
	s.workers["alpha"] = 3
	for _, st := range []schedStep{
		{At: 0, Do: "submit", Topology: "alpha"},
		{At: time.Second, Do: "crash", Node: "leader"},
		{At: 1500 * time.Millisecond, Do: "partition", Node: "sup-1", Peer: "zk"},
		{At: 2 * time.Second, Do: "partition", Node: "sup-2", Peer: "nimbus-1"},
		{At: 3 * time.Second, Do: "heal", Node: "sup-1", Peer: "zk"},
		{At: 4 * time.Second, Do: "restart", Node: "nimbus-1"},
		{At: 4 * time.Second, Do: "expire_session", Node: "nimbus-2"},
		{At: 5 * time.Second, Do: "zk_outage", For: 2 * time.Second},
		{At: 5 * time.Second, Do: "lost_replies", Rate: 0.05},
		{At: 6 * time.Second, Do: "pause", Node: "sup-3", For: 300 * time.Millisecond},
		{At: 7 * time.Second, Do: "kill", Topology: "alpha", Wait: 2 * time.Second},
		{At: 7 * time.Second, Do: "rebalance", Topology: "alpha", Workers: 2},
		{At: 8 * time.Second, Do: "lost_replies", Rate: 0},
		{At: 8 * time.Second, Do: "heal_all"},
		{At: 8 * time.Second, Do: "status", Topology: "alpha"},
	} {
		s.add(st)
	}
	s.finish(10*time.Second, smLiveness)
	checkRoundTrip(t, s, s.YAML())
}

// replayFailure runs a written schedule through the file engine with the
// seed and build it ran with, and returns its violations if one contains
// sign, else "".
func replayFailure(t *testing.T, s *schedule, sign string) string {
	t.Helper()
	spec, err := ParseFile(s.name+".yaml", s.YAML())
	if err != nil {
		t.Fatal(err)
	}
	res := RunSpec(spec, Options{Seed: s.seed, Break: s.brk})
	if v := strings.Join(res.Violations, "; "); !res.Passed() && strings.Contains(v, sign) {
		return v
	}
	return ""
}

// replayFails requires the replay to fail as the state-machine run did.
func replayFails(t *testing.T, s *schedule, sign string) {
	t.Helper()
	if v := replayFailure(t, s, sign); v == "" {
		t.Errorf("got the replayed schedule not failing with %q, want it failing as the state-machine run did:\n%s",
			sign, s.YAML())
	}
}
