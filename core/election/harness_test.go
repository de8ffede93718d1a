package election_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
	"github.com/squall/squall/sim/zkmodel"
)

// The harness drives candidates by hand against the ZooKeeper model: a tiny,
// synchronous stand-in for sim's zkClient. Each peer has a client queue
// (requests issued, not yet applied) and an inbox (replies, watch events and
// session changes, in the order one ZooKeeper session delivers them). One
// harness step applies at most one queued request and delivers at most one
// inbox event per peer, round robin, so that candidates started together
// interleave as they would on a real ensemble.
//
//	candidate.Ready ──► queue ──► zk.Apply(session, now) ──► inbox ──► candidate.Step
//	                                    │ notifications ──► other peers' inboxes
const (
	harnessTickPeriod     = 100 * time.Millisecond
	harnessSessionTimeout = 10 * time.Second
	// harnessSettleStepsMax bounds one settle: a candidate that never goes
	// quiet is a bug the test must report rather than hang on.
	harnessSettleStepsMax = 10_000
)

// harness is one scripted run: the model, the peers and what they did.
type harness struct {
	t       *testing.T
	zk      *zkmodel.Server
	now     core.Time
	modelAt core.Time // the latest time passed to the model
	peers   []*peer
	effects []issued // every effect any candidate issued, in order
}

// issued is one effect, with when and by whom.
type issued struct {
	at  core.Time
	id  core.NodeID
	eff core.Effect
}

func (e issued) String() string { return fmt.Sprintf("%s %s %s", e.at, e.id, e.eff) }

// applied is one request the model executed for a peer, with its true reply
// (before any fault replaced it).
type applied struct {
	at      core.Time
	session core.SessionID
	coord   core.Coord
	reply   core.Reply
}

// peer is one candidate and the client around it.
type peer struct {
	cfg     election.Config
	c       *election.Candidate
	session core.SessionID // 0: none; requests wait in the queue
	queue   []core.Coord
	inbox   []core.Event
	// paused freezes the process: no request leaves, no event or tick enters.
	paused bool
	// hold keeps issued requests in the client queue, as a disconnected
	// client does.
	hold bool
	// lose, when set, picks requests whose reply is lost after the model
	// applied them: the candidate sees CodeConnectionLoss.
	lose    func(core.Request) bool
	lost    int
	applied []applied
}

func newHarness(t *testing.T, cfgs ...election.Config) *harness {
	t.Helper()
	h := &harness{t: t, zk: zkmodel.New()}
	for _, cfg := range cfgs {
		h.peers = append(h.peers, &peer{cfg: cfg, c: election.New(cfg)})
	}
	return h
}

func (h *harness) peer(id core.NodeID) *peer {
	h.t.Helper()
	for _, p := range h.peers {
		if p.cfg.ID == id {
			return p
		}
	}
	h.t.Fatalf("no peer %q", id)
	return nil
}

// modelNow returns the time to pass to the model, checking that it never goes
// back: the model asserts it, and a harness bug should read as a test failure.
func (h *harness) modelNow() core.Time {
	h.t.Helper()
	if h.now < h.modelAt {
		h.t.Fatalf("harness time went back: model saw %s, now %s", h.modelAt, h.now)
	}
	h.modelAt = h.now
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	if d < 0 {
		h.t.Fatalf("advance by %s: time never goes back", d)
	}
	h.now = h.now.Add(d)
}

// connect opens a new session for each peer and queues its Connected.
// Requests still in the peer's queue go out on the new session first, as a
// go-zookeeper client sends the requests it queued while disconnected.
func (h *harness) connect(ids ...core.NodeID) {
	h.t.Helper()
	for _, id := range ids {
		p := h.peer(id)
		p.session = h.zk.OpenSession(h.modelNow(), harnessSessionTimeout)
		p.inbox = append(p.inbox, core.SessionChanged{State: core.Connected, Session: p.session})
	}
}

// reconnect queues, for each peer, a lost connection and a new one within the
// same session: a go-zookeeper client's Disconnected and Connected.
func (h *harness) reconnect(ids ...core.NodeID) {
	h.t.Helper()
	for _, id := range ids {
		p := h.peer(id)
		p.inbox = append(p.inbox,
			core.SessionChanged{State: core.Disconnected, Session: p.session},
			core.SessionChanged{State: core.Connected, Session: p.session})
	}
}

// expire ends a peer's session at the server: its ephemerals go, the others'
// watches fire, and the peer hears Expired after what its inbox already holds.
func (h *harness) expire(id core.NodeID) {
	h.t.Helper()
	p := h.peer(id)
	if p.session == 0 {
		h.t.Fatalf("expire %s: no session", id)
	}
	h.modelNow()
	h.zk.Expire(p.session)
	h.route()
	p.inbox = append(p.inbox, core.SessionChanged{State: core.Expired, Session: p.session})
	p.session = 0
}

// settle steps until no peer has anything to apply or deliver.
func (h *harness) settle() {
	h.t.Helper()
	for range harnessSettleStepsMax {
		if !h.step() {
			return
		}
	}
	h.t.Fatalf("not settled after %d steps at %s", harnessSettleStepsMax, h.now)
}

func (h *harness) step() bool {
	h.t.Helper()
	busy := false
	for _, p := range h.peers {
		h.drain(p)
	}
	for _, p := range h.peers {
		if p.paused || p.hold || p.session == 0 || len(p.queue) == 0 {
			continue
		}
		c := p.queue[0]
		p.queue = p.queue[1:]
		h.apply(p, c)
		busy = true
	}
	for _, p := range h.peers {
		if p.paused || len(p.inbox) == 0 {
			continue
		}
		ev := p.inbox[0]
		p.inbox = p.inbox[1:]
		h.deliver(p, ev)
		busy = true
	}
	return busy
}

// drain moves a candidate's effects into its client queue, recording them.
func (h *harness) drain(p *peer) {
	h.t.Helper()
	for _, eff := range p.c.Ready() {
		h.effects = append(h.effects, issued{at: h.now, id: p.cfg.ID, eff: eff})
		c, ok := eff.(core.Coord)
		if !ok {
			h.t.Fatalf("%s issued %s: a candidate only talks to ZooKeeper", p.cfg.ID, eff)
		}
		p.queue = append(p.queue, c)
	}
}

func (h *harness) apply(p *peer, c core.Coord) {
	h.t.Helper()
	r := h.zk.Apply(p.session, h.modelNow(), c.Req)
	p.applied = append(p.applied, applied{at: h.now, session: p.session, coord: c, reply: r})
	if p.lose != nil && p.lose(c.Req) {
		p.lost++
		r = core.Reply{Code: core.CodeConnectionLoss}
	}
	p.inbox = append(p.inbox, core.CoordResult{Op: c.Op, Reply: r})
	h.route()
}

// route hands watch notifications to the peers whose session they are for;
// those for the test's own sessions are dropped.
func (h *harness) route() {
	for _, n := range h.zk.TakeNotifications() {
		for _, p := range h.peers {
			if p.session == n.Session {
				p.inbox = append(p.inbox, n.Event)
			}
		}
	}
}

func (h *harness) deliver(p *peer, ev core.Event) {
	h.t.Helper()
	res, isResult := ev.(core.CoordResult)
	if isResult && !p.c.Owns(res.Op) {
		h.t.Fatalf("%s: Owns(%d) = false before its result, want true", p.cfg.ID, res.Op)
	}
	p.c.Step(h.now, ev)
	if isResult && p.c.Owns(res.Op) {
		h.t.Fatalf("%s: Owns(%d) = true after its result, want false", p.cfg.ID, res.Op)
	}
	h.check()
}

// tick advances time by one tick period, ticks every running peer and settles.
func (h *harness) tick() {
	h.t.Helper()
	h.advance(harnessTickPeriod)
	for _, p := range h.peers {
		if !p.paused {
			p.c.Step(h.now, core.Tick{})
			h.check()
		}
	}
	h.settle()
}

// run ticks for d.
func (h *harness) run(d time.Duration) {
	h.t.Helper()
	for end := h.now.Add(d); h.now < end; {
		h.tick()
	}
}

// runUntil ticks until cond holds, for at most d; it reports whether it held.
func (h *harness) runUntil(d time.Duration, cond func() bool) bool {
	h.t.Helper()
	for end := h.now.Add(d); !cond(); {
		if h.now >= end {
			return false
		}
		h.tick()
	}
	return true
}

// check asserts the election's safety after every event: a candidate that
// believes it leads on a live session owns the leader node, so at most one
// does. A deposed leader that has not yet heard of its expiry may still
// believe it leads; its session is dead and fencing stops its writes.
func (h *harness) check() {
	h.t.Helper()
	_, leaderPath, _ := h.peers[0].c.Paths()
	_, stat, exists := h.zk.Lookup(leaderPath)
	for _, p := range h.peers {
		if !p.c.IsLeader() {
			continue
		}
		if p.c.Leader() != p.cfg.ID {
			h.t.Fatalf("%s: %s leads but Leader() = %q, want itself", h.now, p.cfg.ID, p.c.Leader())
		}
		if p.session == 0 || !h.zk.Alive(p.session) {
			continue
		}
		if !exists || stat.EphemeralOwner != p.session {
			h.t.Fatalf("%s: %s believes it leads on session %#x; leader node exists=%t owner=%#x",
				h.now, p.cfg.ID, int64(p.session), exists, int64(stat.EphemeralOwner))
		}
	}
}

// leaders returns the ids of the peers that believe they lead.
func (h *harness) leaders() []core.NodeID {
	var ids []core.NodeID
	for _, p := range h.peers {
		if p.c.IsLeader() {
			ids = append(ids, p.cfg.ID)
		}
	}
	return ids
}

// electionNodes returns the election directory's children, each with its
// owner session and published member.
func (h *harness) electionNodes() []electionNode {
	dir, _, _ := h.peers[0].c.Paths()
	var out []electionNode
	for _, name := range h.zk.ChildrenOf(dir) {
		data, stat, ok := h.zk.Lookup(dir + "/" + name)
		if !ok {
			h.t.Fatalf("child %s listed but not found", name)
		}
		out = append(out, electionNode{path: dir + "/" + name, owner: stat.EphemeralOwner, data: data})
	}
	return out
}

type electionNode struct {
	path  string
	owner core.SessionID
	data  []byte
}

// nodesOf returns the paths of the election nodes a session owns.
func (h *harness) nodesOf(session core.SessionID) []string {
	var paths []string
	for _, n := range h.electionNodes() {
		if n.owner == session {
			paths = append(paths, n.path)
		}
	}
	return paths
}

// effectsOf returns the Coord requests a peer issued, with their times.
func (h *harness) effectsOf(id core.NodeID) []issued {
	var out []issued
	for _, e := range h.effects {
		if e.id == id {
			out = append(out, e)
		}
	}
	return out
}

// trace prints every effect, one per line.
func (h *harness) trace() []string {
	out := make([]string, len(h.effects))
	for i, e := range h.effects {
		out[i] = e.String()
	}
	return out
}

// isClaim reports whether req is a claim: a multi creating the leader node.
func isClaim(req core.Request, leaderPath string) bool {
	m, ok := req.(core.Multi)
	return ok && slices.ContainsFunc(m.Ops, func(op core.Request) bool {
		c, ok := op.(core.Create)
		return ok && c.Path == leaderPath
	})
}

// isWrite reports whether req is a leader's workload write to counter:
// fenced (a multi holding a SetData) or not.
func isWrite(req core.Request, counter string) bool {
	switch r := req.(type) {
	case core.SetData:
		return r.Path == counter
	case core.Multi:
		return slices.ContainsFunc(r.Ops, func(op core.Request) bool { return isWrite(op, counter) })
	}
	return false
}

// isEnroll reports whether req creates an election node.
func isEnroll(req core.Request) bool {
	c, ok := req.(core.Create)
	return ok && c.Mode == core.EphemeralSequential && strings.Contains(c.Path, "/election/")
}

// isRead reports whether req is one of a refresh round's reads.
func isRead(req core.Request) bool {
	switch req.(type) {
	case core.Exists, core.GetData, core.Children:
		return true
	}
	return false
}

// member decodes an election node's data.
func member(t *testing.T, data []byte) election.Member {
	t.Helper()
	var m election.Member
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("election node data %q: %v", data, err)
	}
	return m
}

func cfg(id core.NodeID, priority int) election.Config {
	return election.Config{ID: id, Address: string(id) + ":6627", Priority: priority}
}
