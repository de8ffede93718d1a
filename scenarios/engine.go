package scenarios

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/lanes"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/sim"
)

// engine runs a declarative Spec on a simulated cluster.
type engine struct {
	spec     *Spec
	opts     Options
	c        *cluster
	measures map[string]float64
	end      core.Time

	faultAt     core.Time // first timeline fault; -1 before it
	faultCause  string    // the first fault or cluster change, for messages
	faultNimbus bool      // it struck a nimbus
	before      []protocol.Assignment
	workersThen []*sim.Node
	crashed     *sim.Node
	expired     []*sim.Node
	calls       []*clientCall
	killed      []string
	led         *ledger // the sequence topologies' ledger; nil without one
	rebalanced  map[string]int
	errored     []*sim.Node // disks with errors injected by the timeline
	chaos       *chaos
	effects     effectCounts
	arms        map[string]bool // measures armed (each once)
}

// faultActions are the timeline actions that are faults: the liveness
// phase starts after the last of them ends.
var faultActions = map[string]bool{
	"crash": true, "crash_host": true, "pause": true, "partition": true, "one_way_partition": true,
	"clog": true, "reset": true, "expire_session": true, "zk_outage": true, "clock_drift": true,
	"lost_replies": true, "disk_errors": true,
}

// Defaults of a spec's topology parameters.
const (
	specSentences  = 2000
	specMessages   = 10_000
	specTimeout    = 5 * time.Second
	specMaxPending = 200
	specCycleCost  = "8"
	specTailMin    = 10 * time.Second // run time after the last step when nothing else bounds it
)

// RunSpec runs a scenario file's spec with opts.
func RunSpec(s *Spec, opts Options) Result {
	if s.Engine == "go" {
		sc, ok := goBody(s.Name)
		if !ok {
			return Result{Scenario: s.Name, Seed: opts.Seed, Verdict: Fail,
				Violations: []string{"engine go: no Go body registered as " + s.Name}}
		}
		return sc.Run(opts)
	}
	start := time.Now()
	e := &engine{spec: s, opts: opts, measures: map[string]float64{}, faultAt: -1, rebalanced: map[string]int{}}
	observe := opts.Observe
	opts.Observe = func(r sim.Record) {
		e.effects.see(r)
		if observe != nil {
			observe(r)
		}
	}
	e.c = newCluster(opts, s.shape(opts))
	e.c.w.SetProcessFaults(sim.ProcessFaults{StartLatencyMax: s.Cluster.StartLatencyMax, FetchFailure: s.Cluster.FetchFailure})
	if s.usesSequence() {
		e.led = newLedger()
		e.c.useLedger(e.led)
	}
	e.schedule()
	err := e.c.w.RunUntil(e.end)
	if errors.Is(err, errConverged) {
		err = nil
	}
	e.measure() // first: the expectations may bound the measures
	if err == nil {
		e.checkFinal()
	}
	return e.c.finish(s.Name, opts, start, err, e.measures)
}

func (s *Spec) usesSequence() bool {
	for _, t := range s.Topologies {
		if t.Example == "sequence" {
			return true
		}
	}
	return false
}

func (s *Spec) shape(opts Options) clusterShape {
	sh := defaultShape()
	sh.nimbuses, sh.supervisors, sh.slots = s.Cluster.Nimbuses, s.Cluster.Supervisors, s.Cluster.Slots
	sh.dataPlane = s.Cluster.DataPlane
	sh.lanes, sh.laneBounds = s.Cluster.Lanes, lanes.DefaultBounds
	if s.Cluster.LaneQueueMax > 0 {
		sh.laneBounds = lanes.TightBounds(int64(s.Cluster.LaneQueueMax))
	}
	if s.Cluster.CPU > 0 {
		sh.capacity.CPU = core.CPUPercent(s.Cluster.CPU)
	}
	if opts.Break == BreakOvercommit {
		sh.capacity.CPU = 40
	}
	return sh
}

// schedule puts submits, steps, chaos and the liveness phase on the clock.
func (e *engine) schedule() {
	s, w := e.spec, e.c.w
	explicit := map[string]bool{}
	for _, st := range s.Timeline {
		if st.Do == "submit" {
			explicit[st.Topology] = true
		}
	}
	for _, t := range s.Topologies {
		if !explicit[t.Name] {
			w.At(at(t.At), "submit "+t.Name, func() { e.submit(t) })
		}
	}
	healAt := core.Time(0)
	last := core.Time(0)
	for _, st := range s.Timeline {
		w.At(at(st.At), st.Do, func() { e.step(st) })
		last = max(last, at(st.At+st.For))
		if faultActions[st.Do] {
			healAt = max(healAt, at(st.At+st.For))
		}
	}
	if c := s.Chaos; c != nil {
		w.At(at(c.From), "chaos", func() { e.startChaos() })
		w.At(at(c.Until), "chaos stop", func() { e.chaos.heal() })
		healAt = max(healAt, at(c.Until))
	}
	e.end = last.Add(specTailMin)
	if s.Liveness > 0 {
		w.At(healAt, "heal", func() { e.heal(healAt) })
		e.end = healAt.Add(s.Liveness)
	}
	if s.RunFor > 0 {
		e.end = at(s.RunFor)
	}
	for _, x := range s.Expect {
		if arm := checks[x.Check].arm; arm != nil {
			arm(e)
		}
	}
}

// topology builds a spec's topology with its example builder.
func (e *engine) topology(t TopologySpec) (*topology.Topology, error) {
	switch t.Example {
	case "sequence":
		return examples.SequenceTopology(t.Name, t.Workers, orInt(t.Messages, specMessages),
			orDur(t.Timeout, specTimeout), orInt(t.MaxPending, specMaxPending))
	case "cycle":
		cost := t.Cost
		if cost == "" {
			cost = specCycleCost
		}
		return examples.Cycle(t.Name, t.Workers, cost, orInt(t.MaxPending, cycleMaxPending))
	case "exclamation":
		return examples.Exclamation(t.Name, t.Workers)
	}
	return examples.WordCount(t.Name, t.Workers, orInt(t.Sentences, specSentences))
}

func (e *engine) submit(t TopologySpec) {
	if t.Example == "wordcount" && !e.spec.Cluster.DataPlane {
		// The control plane's word count: the shape the catalog always used.
		e.calls = append(e.calls, e.c.submit(t.Name, t.Workers))
		return
	}
	e.calls = append(e.calls, e.c.submitTopology(e.topology(t)))
}

func orInt(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func orDur(v, d time.Duration) time.Duration {
	if v == 0 {
		return d
	}
	return v
}

// resolve finds the node a step names, nil if there is none now.
func (e *engine) resolve(name string) *sim.Node {
	c := e.c
	switch name {
	case "leader":
		return c.leader()
	case "follower":
		for _, n := range c.nimbuses {
			if m := c.nimbusMachine(n); n.Up() && m != nil && !m.IsLeader() {
				return n
			}
		}
		return nil
	case "worker":
		return c.someWorker()
	case "crashed":
		return e.crashed
	case "any_supervisor":
		return c.sups[c.w.Rand().IntN(len(c.sups))]
	case "any_nimbus":
		return c.nimbuses[c.w.Rand().IntN(len(c.nimbuses))]
	}
	for _, n := range c.w.Nodes() {
		if string(n.ID()) == name {
			return n
		}
	}
	return nil
}

// resolvePeek names the node a step targets without drawing from the
// world's generator (the step's own resolve draws, once).
func (e *engine) resolvePeek(name string) *sim.Node {
	switch name {
	case "", "worker", "any_supervisor", "any_nimbus":
		return nil
	}
	return e.resolve(name)
}

// step runs one timeline entry.
func (e *engine) step(st Step) {
	if (faultActions[st.Do] || st.Do == "add_supervisors") && e.faultAt < 0 {
		e.faultAt = e.c.w.Now()
		e.before, e.workersThen = e.c.assignments(), e.c.w.Workers()
		e.faultCause = st.Do
		if n := e.resolvePeek(st.Node); n != nil {
			e.faultCause += " of " + string(n.ID())
			e.faultNimbus = e.c.nimbusMachine(n) != nil
		}
	}
	if faultActions[st.Do] {
		e.measures["fault_"+st.Do]++
	}
	if st.Node != "" && st.Do != "heal" {
		n := e.resolve(st.Node)
		if n == nil {
			e.measures["steps_skipped"]++
			return
		}
		e.nodeStep(st, n)
		return
	}
	e.clusterStep(st)
}

func (e *engine) nodeStep(st Step, n *sim.Node) {
	w := e.c.w
	switch st.Do {
	case "crash", "crash_host":
		e.armFailover(st, n)
		if st.Do == "crash_host" {
			e.c.crashHost(n)
			e.armReassign()
		} else {
			e.armWorkerRestart(st, n)
			w.Crash(n)
		}
		e.crashed = n
		if st.For > 0 && n.Spec().Supervisor == "" {
			w.After(st.For, "restart "+string(n.ID()), func() { w.Restart(n) })
		}
	case "restart":
		w.Restart(n)
	case "pause":
		e.armFailover(st, n)
		w.Pause(n, st.For)
	case "partition", "one_way_partition":
		e.armFailover(st, n)
		e.partition(st, n)
	case "clog":
		w.Net().Clog(n.Endpoint(), st.For)
	case "reset":
		w.Net().ResetConns(n.Endpoint())
	case "expire_session":
		e.armFailover(st, n)
		e.expired = append(e.expired, n)
		w.ExpireSession(n)
	case "clock_drift":
		w.SetClockRate(n, st.Rate)
	case "disk_errors":
		e.diskErrors(st, n)
	}
}

func (e *engine) peer(st Step) (sim.Endpoint, bool) {
	if st.Peer == "" || st.Peer == "zk" {
		return sim.ZKEndpoint, true
	}
	p := e.resolve(st.Peer)
	if p == nil {
		return 0, false
	}
	return p.Endpoint(), true
}

func (e *engine) partition(st Step, n *sim.Node) {
	net := e.c.w.Net()
	peer, ok := e.peer(st)
	if !ok {
		e.measures["steps_skipped"]++
		return
	}
	if st.Do == "partition" {
		net.Partition(n.Endpoint(), peer)
	} else {
		net.PartitionOneWay(n.Endpoint(), peer)
	}
	if st.For > 0 {
		e.c.w.After(st.For, "heal", func() { net.Heal(n.Endpoint(), peer) })
	}
}

func (e *engine) diskErrors(st Step, n *sim.Node) {
	if e.c.w.Nodes() == nil || !hasDisk(n) {
		e.measures["steps_skipped"]++
		return
	}
	rate := st.Rate
	if rate == 0 {
		rate = 0.2
	}
	e.c.w.InjectDiskErrors(n, diskFaults(rate, e.c.w.Rand().Uint64()))
	e.errored = append(e.errored, n)
	if st.For > 0 {
		e.c.w.After(st.For, "disk errors stop", func() { e.c.w.StopDiskErrors(n) })
	}
}

// hasDisk: supervisors and worker processes have disks.
func hasDisk(n *sim.Node) bool {
	id := string(n.ID())
	return strings.HasPrefix(id, "sup-")
}

func (e *engine) clusterStep(st Step) {
	c, w := e.c, e.c.w
	switch st.Do {
	case "heal":
		if n := e.resolve(st.Node); n != nil {
			if p, ok := e.peer(st); ok {
				w.Net().Heal(n.Endpoint(), p)
			}
		}
	case "heal_all":
		w.Net().HealAll()
	case "zk_outage":
		w.ZKOutage(st.For)
	case "lost_replies":
		w.SetLostReplyRate(st.Rate)
	case "add_supervisors":
		shape := e.spec.shape(e.opts)
		for range st.Count {
			c.addSupervisor(len(c.sups)+1, shape)
		}
	case "submit":
		for _, t := range e.spec.Topologies {
			if t.Name == st.Topology {
				e.submit(t)
			}
		}
	case "check":
		checks[st.Check].instant(e)
	case "corrupt_record":
		// By hand, as an operator's slip or a buggy tool would: no fix of
		// the cluster's can heal it; only a kill removes it.
		if w.OperatorWrite(c.layout.Topology(c.idOf(st.Topology)), []byte("{corrupt")) != core.CodeOK {
			e.measures["steps_skipped"]++
		}
	case "run":
	default:
		e.clientStep(st)
	}
}

var clientOps = map[string]string{
	"kill": protocol.OpKill, "activate": protocol.OpActivate, "deactivate": protocol.OpDeactivate,
	"rebalance": protocol.OpRebalance, "status": protocol.OpStatus,
}

func (e *engine) clientStep(st Step) {
	req := protocol.ClientRequest{Op: clientOps[st.Do], Topology: st.Topology, Wait: st.Wait,
		Workers: st.Workers, Parallelism: st.Parallelism}
	call := e.c.cl.call(req)
	e.calls = append(e.calls, call)
	switch st.Do {
	case "kill":
		e.killed = append(e.killed, st.Topology)
	case "rebalance":
		e.rebalanced[st.Topology] = st.Workers
	}
}

// startChaos begins the random faults of the chaos window.
func (e *engine) startChaos() {
	cs := e.spec.Chaos
	ch := &chaos{w: e.c.w, r: e.c.w.Rand(), nodes: append(slices.Clone(e.c.nimbuses), e.c.sups...),
		workers: cs.Workers, disks: slices.Clone(e.c.sups)}
	if cs.Weights == nil {
		ch.rates = drawSwarmRates(ch.r)
	} else {
		for k, v := range cs.Weights {
			ch.rates.weight[chaosKind(k)] = v
		}
		ch.rates.every = orDur(cs.Every, 2*time.Second)
		ch.rates.lostReply = cs.LostReply
	}
	e.c.w.SetLostReplyRate(ch.rates.lostReply)
	e.chaos = ch
	ch.start()
}

// heal starts the liveness phase: every fault ends, down nodes restart, and
// the cluster must converge within the spec's liveness bound.
func (e *engine) heal(healAt core.Time) {
	w := e.c.w
	if e.chaos != nil {
		e.chaos.heal()
	}
	w.SetLostReplyRate(0)
	// Fetches succeed again; starts stay as slow as they were.
	w.SetProcessFaults(sim.ProcessFaults{StartLatencyMax: e.spec.Cluster.StartLatencyMax})
	w.Net().HealAll()
	for _, n := range append(slices.Clone(e.c.nimbuses), e.c.sups...) {
		if !n.Up() {
			w.Restart(n)
		}
		w.SetClockRate(n, 1)
	}
	hit := e.errored
	if e.chaos != nil {
		hit = append(hit, e.chaos.hit...)
	}
	for _, n := range e.errored {
		w.StopDiskErrors(n)
	}
	e.errored = nil
	e.restartFailedDisks(hit)
	settled := func() bool {
		ok, _ := e.c.converged()
		return ok && e.c.leader() != nil
	}
	e.c.waitFor(healAt, "converged", settled, func() {
		e.measures["converge_s"] = w.Now().Sub(healAt).Seconds()
		if s := e.spec.StopAfterConverged; s > 0 && e.spec.RunFor == 0 {
			// The liveness bound is met: the run ends, converged again,
			// after at least s more of safety checks, not at the bound.
			e.c.waitFor(w.Now().Add(s), "converged again", settled, func() { w.Fail(errConverged) })
		}
	})
}

// errConverged ends a run whose liveness phase converged early (see
// Spec.StopAfterConverged).
var errConverged = errors.New("scenarios: converged")

// restartFailedDisks restarts each supervisor whose disk had I/O errors, as
// an operator (or systemd) restarts a daemon whose store failed: a Pebble
// store that fail-stopped stays failed until it is reopened, and a
// supervisor that cannot persist cannot start workers (write-ahead).
func (e *engine) restartFailedDisks(hit []*sim.Node) {
	seen := map[*sim.Node]bool{}
	for _, n := range hit {
		if seen[n] || n.Spec().Supervisor != "" {
			continue // a worker: its store holds metrics only
		}
		seen[n] = true
		e.c.w.Crash(n)
		e.c.w.Restart(n)
		e.measures["disk_failed_restarts"]++
	}
}

// checkFinal runs the spec's expectations after the run.
func (e *engine) checkFinal() {
	for _, x := range e.spec.Expect {
		if x.Check != "" {
			checks[x.Check].final(e)
			continue
		}
		v, ok := e.measures[x.Measure]
		switch {
		case !ok:
			e.c.violate("measure %s was not taken (expect, line %d)", x.Measure, x.line)
		case x.Max != nil && v > *x.Max:
			e.c.violate("measure %s = %g, over its bound %g", x.Measure, v, *x.Max)
		case x.Min != nil && v < *x.Min:
			e.c.violate("measure %s = %g, under its bound %g", x.Measure, v, *x.Min)
		}
	}
	if e.spec.Liveness > 0 {
		if _, ok := e.measures["converge_s"]; !ok {
			_, why := e.c.converged()
			if e.c.leader() == nil {
				why += " (no single leader)"
			}
			e.c.violate("not converged with one leader within the liveness bound %s: %s", e.spec.Liveness, why)
		}
	}
}

// measure adds what the run counted: faults and their visible effects.
func (e *engine) measure() {
	if e.chaos != nil {
		e.chaos.measure(e.measures)
	}
	lost, expired := e.c.w.ZKStats()
	e.measures["zk_lost_replies"] = float64(lost)
	e.measures["zk_session_expirations"] = float64(expired)
	e.effects.measure(e.measures)
	if e.spec.Cluster.DataPlane {
		e.c.measureLanes(e.spec.Cluster.Lanes, e.measures)
	}
}

// goBody finds a scenario registered in Go.
func goBody(name string) (Scenario, bool) {
	for _, s := range catalog {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

func (e *engine) violatef(format string, args ...any) { e.c.violate(format, args...) }
