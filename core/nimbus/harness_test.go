package nimbus

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/sim/zkmodel"
)

// The harness drives nimbuses against the ZooKeeper model: a small,
// synchronous stand-in for sim's zkClient and network. Each nimbus has a
// client queue (requests issued, not yet applied) and an inbox (replies, watch
// events, session changes, ticks and messages, in the order one process
// receives them). One harness step applies at most one queued request and
// delivers at most one inbox event per nimbus, round robin, so that nimbuses
// started together interleave as they would on a real ensemble.
//
//	nimbus.Ready ──► queue ──► zk.Apply(session, now) ──► inbox ──► nimbus.Step
//	       │                        │ notifications ──► the session owner's inbox
//	       └── Send ──► printed (clients are the script)
//
// Supervisors are only their ephemeral znodes, each on its own session, and
// the SupervisorHeartbeat messages the script sends or the harness sends for
// them every beat period.
//
// Output: one line per effect a nimbus issued, a Coord with the reply the
// model gave it ("→ OK"), a ClientReply decoded; znode data under
// /topologies and /assignments is shown decoded, in braces. The election's
// own traffic is hidden (verbose shows it); role changes print instead.
const (
	harnessTickPeriod     = 100 * time.Millisecond
	harnessSessionTimeout = 10 * time.Second
	// harnessSettleStepsMax bounds one settle: a nimbus that never goes
	// quiet is a bug the test must report rather than hang on.
	harnessSettleStepsMax = 10_000
	harnessClient         = core.NodeID("client")
)

// harness is one scripted run: the model, the nimbuses, the supervisors.
type harness struct {
	t       *testing.T
	zk      *zkmodel.Server
	now     core.Time
	layout  protocol.Layout
	admin   core.SessionID // the test's own session: parents, planted znodes
	peers   []*peer
	sups    map[core.SupervisorID]*sup
	planted map[string]bool // znodes the test wrote by hand: exempt from invariants
	epochs  map[string]epochSeen
	reqSeq  uint64
	replies map[uint64]protocol.ClientReply // by request id
	verbose bool
	logs    bool     // print the nimbuses' Log effects
	logged  []string // every Log effect, as "<nimbus>: <log>", printed or not

	prefix string   // prepended to output lines (the time, during run)
	lines  []string // output of the command being run
	raw    []string // every effect, unabridged, in order: the determinism record
}

// peer is one nimbus and the client around it.
type peer struct {
	id      core.NodeID
	m       *Machine
	session core.SessionID // the client's session: requests go out on it
	queue   []core.Coord
	inbox   []core.Event
	held    []core.Event // session events the machine has not heard yet
	crashed bool
	lose    []string // next request containing each: applied, its reply lost
	drop    []string // next request containing each: lost before the server
	hold    string   // a request containing it waits at the head of the queue
	hidden  map[core.OpID]bool
	role    string
}

// sup is a supervisor: its registration, its session, its heartbeats.
type sup struct {
	info     protocol.SupervisorInfo
	session  core.SessionID
	every    time.Duration // automatic heartbeat period; 0: none
	nextBeat core.Time
	dead     []core.Port // ports it reports not alive
}

// epochSeen is an assignment znode's incarnation and epoch, for the
// invariant that epochs only grow.
type epochSeen struct {
	czxid, mzxid int64
	epoch        uint64
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, zk: zkmodel.New(), sups: map[core.SupervisorID]*sup{},
		planted: map[string]bool{}, epochs: map[string]epochSeen{}, replies: map[uint64]protocol.ClientReply{}}
	h.admin = h.zk.OpenSession(0, harnessSessionTimeout)
	return h
}

func (h *harness) emit(format string, args ...any) {
	h.lines = append(h.lines, h.prefix+fmt.Sprintf(format, args...))
}

// take returns the output of the command just run.
func (h *harness) take() []string {
	out := h.lines
	h.lines = nil
	return out
}

func (h *harness) peer(id string) *peer {
	h.t.Helper()
	for _, p := range h.peers {
		if string(p.id) == id {
			return p
		}
	}
	h.t.Fatalf("no nimbus %q", id)
	return nil
}

// start adds nimbuses and connects them, then settles.
func (h *harness) start(cfgs ...Config) {
	for _, cfg := range cfgs {
		p := &peer{id: cfg.ID, m: New(cfg), hidden: map[core.OpID]bool{}}
		p.role = roleOf(p)
		h.peers = append(h.peers, p)
		p.session = h.zk.OpenSession(h.now, harnessSessionTimeout)
		p.inbox = append(p.inbox, core.SessionChanged{State: core.Connected, Session: p.session})
	}
	h.settle()
}

// expire ends a nimbus's session at the server. The client opens a new
// session at once, as go-zookeeper does, and requests go out on it; the
// machine hears Expired then Connected, or, when silent, only at notify.
func (h *harness) expire(p *peer, silent bool) {
	old := p.session
	h.zk.Expire(old)
	h.route()
	p.session = h.zk.OpenSession(h.now, harnessSessionTimeout)
	p.held = append(p.held, core.SessionChanged{State: core.Expired, Session: old},
		core.SessionChanged{State: core.Connected, Session: p.session})
	if !silent {
		h.notify(p)
	}
	h.settle()
}

// notify delivers the session events the machine has not heard yet.
func (h *harness) notify(p *peer) {
	p.inbox = append(p.inbox, p.held...)
	p.held = nil
	h.settle()
}

// crash stops a nimbus's process; its session expires at once.
func (h *harness) crash(p *peer) {
	h.zk.Expire(p.session)
	h.route()
	p.crashed = true
	h.settle()
}

// settle steps until no nimbus has anything to apply or deliver.
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
	busy := false
	for _, p := range h.peers {
		h.drain(p)
	}
	for _, p := range h.peers {
		if p.crashed || len(p.queue) == 0 || p.waiting() {
			continue
		}
		c := p.queue[0]
		p.queue = p.queue[1:]
		h.apply(p, c)
		busy = true
	}
	for _, p := range h.peers {
		if p.crashed || len(p.inbox) == 0 {
			continue
		}
		ev := p.inbox[0]
		p.inbox = p.inbox[1:]
		h.deliver(p, ev)
		busy = true
	}
	return busy
}

// drain takes a nimbus's effects: requests to its client queue, messages
// printed.
func (h *harness) drain(p *peer) {
	for _, eff := range p.m.Ready() {
		h.raw = append(h.raw, fmt.Sprintf("%s %s %#v", h.now, p.id, eff))
		switch e := eff.(type) {
		case core.Coord:
			if p.m.cand.Owns(e.Op) {
				p.hidden[e.Op] = true
			}
			p.queue = append(p.queue, e)
		case core.Log:
			h.logged = append(h.logged, fmt.Sprintf("%s: %s", p.id, e))
			if h.logs {
				h.emit("%s: %s", p.id, e)
			}
		case core.Send:
			h.emit("%s: %s", p.id, showSend(e))
			if msg, err := protocol.DecodeMessage(e.Payload); err == nil && e.To == harnessClient {
				if r, ok := msg.(protocol.ClientReply); ok {
					h.replies[r.ID] = r
				}
			}
		default:
			h.t.Fatalf("%s issued %s: a nimbus only coordinates, sends and logs", p.id, eff)
		}
	}
}

// waiting reports whether the request at the head of the queue is held: it
// and every later one wait, as on one session.
func (p *peer) waiting() bool {
	return p.hold != "" && strings.Contains(p.queue[0].Req.String(), p.hold)
}

func (h *harness) apply(p *peer, c core.Coord) {
	dropped := match(&p.drop, c)
	var r core.Reply
	if !dropped {
		r = h.zk.Apply(p.session, h.now, c.Req)
	}
	lost := match(&p.lose, c)
	if !p.hidden[c.Op] || h.verbose {
		line := fmt.Sprintf("%s: coord op=%d %s → %s", p.id, c.Op, h.showReq(c.Req), showReply(r))
		switch {
		case dropped:
			line = fmt.Sprintf("%s: coord op=%d %s → (lost before the server: ConnectionLoss)", p.id, c.Op, h.showReq(c.Req))
		case lost:
			line += " (reply lost: ConnectionLoss)"
		}
		h.emit("%s", line)
	}
	delete(p.hidden, c.Op)
	if lost || dropped {
		r = core.Reply{Code: core.CodeConnectionLoss}
	}
	p.inbox = append(p.inbox, core.CoordResult{Op: c.Op, Reply: r})
	h.route()
	h.checkZK()
}

// match reports whether c matches one of the texts, and consumes it: the
// script's faults each hit one request.
func match(texts *[]string, c core.Coord) bool {
	s := c.Req.String()
	for i, text := range *texts {
		if strings.Contains(s, text) {
			*texts = slices.Delete(*texts, i, i+1)
			return true
		}
	}
	return false
}

// route hands watch notifications to the nimbus whose session they are for;
// the supervisors' and the test's own are dropped.
func (h *harness) route() {
	for _, n := range h.zk.TakeNotifications() {
		for _, p := range h.peers {
			if p.session == n.Session && !p.crashed {
				p.inbox = append(p.inbox, n.Event)
			}
		}
	}
}

func (h *harness) deliver(p *peer, ev core.Event) {
	p.m.Step(h.now, ev)
	if role := roleOf(p); role != p.role {
		p.role = role
		h.emit("%s: %s", p.id, role)
	}
}

func roleOf(p *peer) string {
	switch {
	case p.m.IsLeader():
		return "leader"
	case p.m.cand.IsLeader():
		return "leader, loading"
	case p.m.Leader() != "":
		return "follower of " + string(p.m.Leader())
	}
	return "no leader known"
}

// tick advances time by one tick period, sends the heartbeats due, ticks
// every running nimbus and settles.
func (h *harness) tick() {
	h.now = h.now.Add(harnessTickPeriod)
	h.beat()
	for _, p := range h.peers {
		if !p.crashed {
			p.inbox = append(p.inbox, core.Tick{})
		}
	}
	h.settle()
}

// run ticks for d, prefixing output with the time.
func (h *harness) run(d time.Duration) {
	for end := h.now.Add(d); h.now < end; {
		h.prefix = h.now.Add(harnessTickPeriod).String() + " "
		h.tick()
	}
	h.prefix = ""
}

// runUntil ticks until cond holds, for at most d; it reports whether it held.
func (h *harness) runUntil(d time.Duration, cond func() bool) bool {
	for end := h.now.Add(d); !cond(); {
		if h.now >= end {
			return false
		}
		h.tick()
	}
	return true
}

// send delivers a message to a nimbus, as from.
func (h *harness) send(p *peer, from core.NodeID, m protocol.Message) {
	p.inbox = append(p.inbox, core.Recv{From: from, Payload: protocol.EncodeMessage(m)})
	h.settle()
}

// request sends a client request with the next id and returns the reply,
// if one came.
func (h *harness) request(p *peer, req protocol.ClientRequest) (protocol.ClientReply, bool) {
	h.reqSeq++
	req.ID = h.reqSeq
	h.send(p, harnessClient, req)
	r, ok := h.replies[req.ID]
	return r, ok
}
