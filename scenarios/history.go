package scenarios

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// A history records the nimbus client API as the scenario clients see it:
// every attempt of every call (the client resends on silence and follows
// redirects), with the virtual time it was sent and the time and content of
// its reply. It turns into porcupine operations, one per attempt that may
// have had an effect or that observed the state:
//
//	attempt answered OK / a refusal   → an operation [sent, replied]
//	attempt never answered, or told   → indeterminate: [sent, ∞), either
//	"outcome unknown"                   applied at some point or never
//	NotLeader, "retry", a fenced-out   → dropped: it had no effect and
//	write                               observed nothing
//
// A nimbus answers reads (status) and refusals ("unknown topology", "is
// being killed") from its in-memory view. A deposed leader that has not yet
// heard that its session expired still has that view, and still answers:
// its answer is stale, and the check would flag it. That is how nimbus
// works (the election keeps leading while disconnected and relies on fencing
// for writes), so a view-derived answer counts only when ZooKeeper shows the
// answering nimbus held leadership, in one term, from the attempt's sending
// to its reply; the others are dropped and counted (staleDropped).
type history struct {
	clock  func() core.Time
	leader func() leaderTerm // who holds the leader znode now
	calls  map[callKey]*histCall
	order  []*histCall

	staleDropped int  // view-derived answers dropped: not from a sitting leader
	keepStale    bool // count them anyway (to show they are not linearizable)
}

// leaderTerm identifies one term: the nimbus holding the leader znode and
// the zxid that created it ("" when vacant).
type leaderTerm struct {
	node  core.NodeID
	czxid int64
}

type callKey struct {
	client int
	id     uint64
}

// histCall is one client call and its attempts.
type histCall struct {
	client   int
	req      protocol.ClientRequest
	attempts []*histAttempt
}

// histAttempt is one sending of a call to one nimbus.
type histAttempt struct {
	to       core.NodeID
	sent     core.Time
	term     leaderTerm // at sending
	open     bool
	replied  core.Time
	reply    protocol.ClientReply
	verified bool // the answering nimbus led throughout the attempt
}

func newHistory(clock func() core.Time, leader func() leaderTerm) *history {
	return &history{clock: clock, leader: leader, calls: map[callKey]*histCall{}}
}

// sent records an attempt of req by client to nimbus to.
func (h *history) sent(client int, req protocol.ClientRequest, to core.NodeID) {
	k := callKey{client, req.ID}
	hc := h.calls[k]
	if hc == nil {
		hc = &histCall{client: client, req: req}
		h.calls[k] = hc
		h.order = append(h.order, hc)
	}
	hc.attempts = append(hc.attempts, &histAttempt{to: to, sent: h.clock(), term: h.leader(), open: true})
}

// replied records a reply from nimbus from to one of client's attempts.
// Resent attempts carry the same request id, so a reply cannot tell which
// attempt to the same nimbus it answers: every open attempt to that nimbus
// takes the earliest sending time among them (a wider interval is sound),
// and the last of them takes the reply.
func (h *history) replied(client int, from core.NodeID, r protocol.ClientReply) {
	hc := h.calls[callKey{client, r.ID}]
	if hc == nil {
		return
	}
	var open []*histAttempt
	for _, a := range hc.attempts {
		if a.open && a.to == from {
			open = append(open, a)
		}
	}
	if len(open) == 0 {
		return // a duplicate
	}
	first := open[0]
	for _, a := range open {
		a.sent, a.term = first.sent, first.term
	}
	a := open[len(open)-1]
	a.open, a.replied, a.reply = false, h.clock(), r
	now := h.leader()
	a.verified = a.term.node == from && a.term == now
}

// Outcome classes of an answered attempt.
type outcome uint8

const (
	outOK              outcome = iota // applied (writes) or read the state (status)
	outUnknownTopology                // refused: no such topology
	outExists                         // refused: the topology exists
	outKilled                         // refused: the topology is being killed
	outRebalancing                    // refused: the topology is rebalancing
	outNoEffect                       // refused without effect and without a claim about the state
	outIndeterminate                  // the outcome is unknown
)

var outcomeNames = [...]string{"ok", "unknown-topology", "exists", "being-killed", "rebalancing",
	"no-effect", "indeterminate"}

func (o outcome) String() string { return outcomeNames[o] }

// noEffectErrors are refusals that change nothing: the request was never
// written, its fenced write failed whole (a multi is atomic), or its reply
// was lost and a re-read showed the record without it ("was not applied").
// A write whose reply was lost and whose re-read did not settle it is told
// "the outcome is unknown": indeterminate, as every error not listed here.
var noEffectErrors = []string{"not the leader", "operation in flight", "being re-established",
	"failed: leadership lost", "failed: BadVersion", "was not applied"}

// classify reads a reply. Errors it does not know are indeterminate, which
// accepts anything: sound, never a false alarm.
func classify(r protocol.ClientReply) outcome {
	e := r.Error
	switch {
	case r.OK:
		return outOK
	case r.NotLeader:
		return outNoEffect
	case strings.Contains(e, "unknown topology"):
		return outUnknownTopology
	case strings.Contains(e, "already exists"):
		return outExists
	case strings.Contains(e, "is being killed"):
		return outKilled
	case strings.Contains(e, "rebalancing"):
		return outRebalancing
	}
	for _, s := range noEffectErrors {
		if strings.Contains(e, s) {
			return outNoEffect
		}
	}
	return outIndeterminate
}

// linInput is an operation's input as the model sees it.
type linInput struct {
	op       string
	topology string
	workers  int
	wait     time.Duration
}

// linOutput is an operation's result as the model sees it.
type linOutput struct {
	class  outcome
	status string // status answers: the topology's status
}

// infinity is the return time of an indeterminate operation.
const infinity = math.MaxInt64

// operations turns the history into porcupine operations, sorted by call
// time, and counts what it dropped.
func (h *history) operations() []porcupine.Operation {
	var ops []porcupine.Operation
	h.staleDropped = 0
	for _, hc := range h.order {
		in := linInput{op: hc.req.Op, topology: hc.req.Topology, workers: hc.req.Workers, wait: hc.req.Wait}
		for _, a := range hc.attempts {
			op, keep := h.operation(in, a)
			if keep {
				op.ClientId = hc.client
				ops = append(ops, op)
			}
		}
	}
	slices.SortStableFunc(ops, func(a, b porcupine.Operation) int {
		switch {
		case a.Call < b.Call:
			return -1
		case a.Call > b.Call:
			return 1
		}
		return 0
	})
	return ops
}

// operation is one attempt as an operation; keep is false for an attempt
// that had no effect and observed nothing.
func (h *history) operation(in linInput, a *histAttempt) (op porcupine.Operation, keep bool) {
	isRead := in.op == protocol.OpStatus
	indeterminate := porcupine.Operation{Input: in, Call: int64(a.sent),
		Output: linOutput{class: outIndeterminate}, Return: infinity}
	if a.open {
		return indeterminate, !isRead
	}
	class := classify(a.reply)
	out := linOutput{class: class}
	switch class {
	case outNoEffect:
		return op, false
	case outIndeterminate:
		return indeterminate, !isRead
	case outOK:
		if !isRead { // a write answered OK: its fenced write applied
			break
		}
		out.status = statusOf(a.reply, in.topology)
		fallthrough
	default: // read from the answering nimbus's view
		if !a.verified && !h.keepStale {
			h.staleDropped++
			return op, false
		}
	}
	return porcupine.Operation{Input: in, Call: int64(a.sent), Output: out, Return: int64(a.replied)}, true
}

func statusOf(r protocol.ClientReply, name string) string {
	for _, s := range r.Topologies {
		if s.Name == name {
			return s.Status
		}
	}
	return ""
}
