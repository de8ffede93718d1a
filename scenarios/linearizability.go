package scenarios

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/sim"
)

func init() {
	register(Scenario{
		Name: "client-linearizability",
		Description: "three clients submit, kill, activate, deactivate, rebalance and read two " +
			"topologies while the leading nimbus crashes, is partitioned, pauses and loses its " +
			"session; the recorded history is linearizable per topology (porcupine)",
		Run: runClientLinearizability,
	})
}

// Phases, sizes and bounds of the client-linearizability scenario.
const (
	linClients    = 3
	linFaultPhase = 60 * time.Second
	// linFaultGapMax is the longest gap between two faults; linOpGapMax
	// the longest a client waits before its next call.
	linFaultGapMax = 6 * time.Second
	linOpGapMax    = 1500 * time.Millisecond
	linWaitMax     = 4 * time.Second // of a kill or rebalance
	linWorkersMax  = 3
)

// linTopologies are the topology names the clients work on.
var linTopologies = []string{"alpha", "beta"}

// BreakAckBeforeWrite is the Break option that builds nimbuses answering a
// lifecycle change OK before its fenced write applies.
const BreakAckBeforeWrite = "ack-before-write"

// BreakAnswerSuspended is the Break option that builds nimbuses answering
// clients from their view while disconnected from ZooKeeper.
const BreakAnswerSuspended = "answer-suspended"

// linRun is one run of the scenario.
type linRun struct {
	c       *cluster
	r       *rand.Rand
	h       *history
	clients []*client
	// clientNodes are the nodes of clients 2..n (client 0 is the cluster's).
	clientNodes []*sim.Node
	notes       []annotation
	faults      int
	workEnd     core.Time
}

// runClientLinearizability counts every answer, those of a nimbus that did
// not hold the leader znode throughout included: a leader answers nothing
// while its session is disconnected, so even a deposed one never answers
// from a stale view.
func runClientLinearizability(opts Options) Result { return runLinearizability(opts, true) }

// runLinearizability runs the scenario; without keepStale, view-derived
// answers of nimbuses that did not lead throughout are dropped (the check
// before nimbus stopped answering while disconnected).
func runLinearizability(opts Options, keepStale bool) Result {
	start := time.Now()
	shape := defaultShape()
	shape.nimbuses = 3
	l := newLinRun(opts, shape)
	l.h.keepStale = keepStale
	heal := at(linFaultPhase)
	l.workEnd = heal.Add(10 * time.Second)
	for i := range l.clients {
		l.clientLoop(i)
	}
	l.injectFaults(at(5*time.Second), heal)
	l.c.w.At(heal, "heal", l.healAll)
	final := heal.Add(livenessBound)
	l.watchLeader(final)
	l.c.w.At(final, "final status", func() {
		for _, name := range linTopologies {
			l.clients[0].call(protocol.ClientRequest{Op: protocol.OpStatus, Topology: name})
		}
	})
	err := l.c.w.RunUntil(final.Add(10 * time.Second))
	if err == nil {
		l.check(opts)
	}
	return l.c.finish("client-linearizability", opts, start, err, l.measures())
}

func newLinRun(opts Options, shape clusterShape) *linRun {
	c := newCluster(opts, shape)
	l := &linRun{c: c, r: c.w.Rand()}
	l.h = newHistory(c.w.Now, c.leaderTerm)
	l.clients, l.clientNodes = c.addClients(linClients, l.h)
	return l
}

// leaderTerm reads who holds the leader znode, from ZooKeeper itself.
func (c *cluster) leaderTerm() leaderTerm {
	_, stat, ok := c.w.ZK().Lookup(c.leaderPath)
	if !ok {
		return leaderTerm{}
	}
	return leaderTerm{node: c.w.SessionNode(stat.EphemeralOwner), czxid: stat.Czxid}
}

// addClients records the cluster's client as client 0 of h and adds n-1
// more client machines, client-2 ... client-n, recording into h.
func (c *cluster) addClients(n int, h *history) ([]*client, []*sim.Node) {
	c.cl.rec, c.cl.recID = h, 0
	out, nodes := []*client{c.cl}, []*sim.Node{}
	for i := 1; i < n; i++ {
		cl := newClient(c.cl.nimbuses)
		cl.rec, cl.recID = h, i
		nodes = append(nodes, c.w.AddNode(sim.NodeConfig{ID: core.NodeID("client-" + itoa(i+1)),
			New: func(*rand.Rand) core.Machine { return cl }}))
		out = append(out, cl)
	}
	return out, nodes
}

// clientLoop has client i call nimbus at random gaps while the work lasts,
// one call at a time.
func (l *linRun) clientLoop(i int) {
	gap := time.Duration(l.r.Int64N(int64(linOpGapMax))) + time.Millisecond
	l.c.w.After(gap, "client call", func() {
		if l.c.w.Now() >= l.workEnd {
			return
		}
		if l.clients[i].idle() {
			l.clients[i].call(randomRequest(l.r))
		}
		l.clientLoop(i)
	})
}

// randomRequest draws one client call on one of linTopologies.
func randomRequest(r *rand.Rand) protocol.ClientRequest {
	name := linTopologies[r.IntN(len(linTopologies))]
	wait := time.Duration(r.Int64N(int64(linWaitMax)))
	switch x := r.IntN(100); {
	case x < 35:
		return protocol.ClientRequest{Op: protocol.OpStatus, Topology: name}
	case x < 50:
		return submitRequest(name, 1+r.IntN(2))
	case x < 60:
		return protocol.ClientRequest{Op: protocol.OpKill, Topology: name, Wait: wait}
	case x < 72:
		return protocol.ClientRequest{Op: protocol.OpActivate, Topology: name}
	case x < 84:
		return protocol.ClientRequest{Op: protocol.OpDeactivate, Topology: name}
	}
	return protocol.ClientRequest{Op: protocol.OpRebalance, Topology: name, Wait: wait,
		Workers: 1 + r.IntN(linWorkersMax)}
}

// submitRequest submits a small word-count-shaped topology.
func submitRequest(name string, workers int) protocol.ClientRequest {
	return wordcountSubmit(name, workers, 1)
}

// injectFaults strikes the leading nimbus (or, when none leads, any) at
// random gaps from from until until: crashes, partitions from ZooKeeper and
// from a client, pauses, session expiries, ZooKeeper outages, lost replies.
func (l *linRun) injectFaults(from, until core.Time) {
	l.c.w.At(from, "fault", func() {
		if l.c.w.Now() >= until {
			return
		}
		l.strike()
		gap := time.Duration(l.r.Int64N(int64(linFaultGapMax))) + 500*time.Millisecond
		l.injectFaults(l.c.w.Now().Add(gap), until)
	})
}

func (l *linRun) target() *sim.Node {
	if n := l.c.leader(); n != nil {
		return n
	}
	return l.c.nimbuses[l.r.IntN(len(l.c.nimbuses))]
}

func (l *linRun) strike() {
	w, n := l.c.w, l.target()
	d := time.Duration(l.r.Int64N(int64(8*time.Second))) + 500*time.Millisecond
	l.faults++
	switch l.r.IntN(7) {
	case 0:
		w.Crash(n)
		w.After(d, "restart", func() { w.Restart(n) })
		l.note(string(n.ID()), d, "crash")
	case 1:
		w.Net().Partition(n.Endpoint(), sim.ZKEndpoint)
		w.After(d, "heal", func() { w.Net().Heal(n.Endpoint(), sim.ZKEndpoint) })
		l.note(string(n.ID()), d, "partitioned from zk")
	case 2:
		w.ExpireSession(n)
		l.note(string(n.ID()), 0, "session expired")
	case 3:
		cl := l.clientNodes[l.r.IntN(len(l.clientNodes))]
		w.Net().Partition(n.Endpoint(), cl.Endpoint())
		w.After(d, "heal", func() { w.Net().Heal(n.Endpoint(), cl.Endpoint()) })
		l.note(string(n.ID()), d, "partitioned from "+string(cl.ID()))
	case 4:
		w.Pause(n, d)
		l.note(string(n.ID()), d, "paused")
	case 5:
		d = d / 2
		w.ZKOutage(d)
		l.note("zk", d, "outage")
	default:
		w.SetLostReplyRate(0.05)
		w.After(d, "replies kept", func() { w.SetLostReplyRate(0) })
		l.note("zk", d, "5% of replies lost")
	}
}

// note records a fault window for the visualization.
func (l *linRun) note(tag string, d time.Duration, what string) {
	now := l.c.w.Now()
	l.notes = append(l.notes, annotation{tag: tag, start: int64(now), end: int64(now.Add(d)),
		description: what})
}

// watchLeader notes each leader's term, as ZooKeeper shows it, until end.
func (l *linRun) watchLeader(end core.Time) {
	var term leaderTerm
	var since core.Time
	l.c.waitFor(0, "leader term", func() bool {
		now := l.c.w.Now()
		if t := l.c.leaderTerm(); t != term || now >= end {
			if term.node != "" {
				l.notes = append(l.notes, annotation{tag: "leader", start: int64(since), end: int64(now),
					description: string(term.node)})
			}
			term, since = t, now
		}
		return now >= end
	}, func() {})
}

// healAll heals the cluster: partitions go, crashed nimbuses restart, no
// reply is lost. Pauses and outages end on their own within their bounds.
func (l *linRun) healAll() {
	w := l.c.w
	w.SetLostReplyRate(0)
	w.Net().HealAll()
	for _, n := range l.c.nimbuses {
		if !n.Up() {
			w.Restart(n)
		}
	}
}

// check checks the history; a failure writes the visualization.
func (l *linRun) check(opts Options) {
	for _, cl := range l.clients {
		if !cl.idle() {
			l.c.violate("a client call has no outcome %s after the faults stopped", livenessBound)
			return
		}
	}
	ops := l.h.operations()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("squall-linearizability-seed-%d.html", opts.Seed))
	if _, err := linCheck(ops, l.notes, path); err != nil {
		l.c.violate("%v", err)
	}
}

func (l *linRun) measures() map[string]float64 {
	ops := l.h.operations()
	indeterminate := 0
	for _, op := range ops {
		if op.Return == infinity {
			indeterminate++
		}
	}
	return map[string]float64{"operations": float64(len(ops)), "indeterminate": float64(indeterminate),
		"stale_answers_dropped": float64(l.h.staleDropped), "faults": float64(l.faults)}
}
