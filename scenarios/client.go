package scenarios

import (
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// clientTimeout is how long the scenario client waits for a reply before it
// tries the next nimbus; clientAttemptsMax bounds its attempts per request.
const (
	clientTimeout     = 2 * time.Second
	clientAttemptsMax = 64
)

// clientCall is one request of the scenario client and its outcome.
type clientCall struct {
	req      protocol.ClientRequest
	reply    protocol.ClientReply
	done     bool
	once     bool // send once, never retry (probes a single nimbus)
	attempts int
	doneAt   core.Time
}

// client is a machine that issues nimbus client requests one at a time,
// follows NotLeader redirects, and retries on silence. It is how scenarios
// act as a user of the cluster.
type client struct {
	nimbuses []core.NodeID
	target   int
	calls    []*clientCall
	cur      int // index of the call in flight, -1 when none
	deadline core.Time
	redirect bool // the deadline is a redirect's resend, not a timeout
	now      core.Time
	nextID   uint64
	out      []core.Effect

	// rec, when set, records every attempt and every reply of this client
	// as client number recID of a history (linearizability checking).
	rec   *history
	recID int
}

func newClient(nimbuses []core.NodeID) *client {
	return &client{nimbuses: nimbuses, cur: -1}
}

// call queues a request; its outcome appears in the returned call.
func (c *client) call(req protocol.ClientRequest) *clientCall {
	c.nextID++
	req.ID = c.nextID
	cc := &clientCall{req: req}
	c.calls = append(c.calls, cc)
	return cc
}

func (c *client) Ready() []core.Effect {
	out := c.out
	c.out = nil
	return out
}

func (c *client) Step(now core.Time, ev core.Event) {
	c.now = now
	switch ev := ev.(type) {
	case core.Tick:
		c.onTick()
	case core.Recv:
		c.onRecv(ev)
	}
}

func (c *client) onTick() {
	if c.cur >= 0 && c.now >= c.deadline {
		if !c.redirect {
			c.target = (c.target + 1) % len(c.nimbuses)
		}
		c.redirect = false
		c.send()
		return
	}
	if c.cur < 0 {
		for i, cc := range c.calls {
			if !cc.done {
				c.cur = i
				c.send()
				return
			}
		}
	}
}

func (c *client) send() {
	cc := c.calls[c.cur]
	cc.attempts++
	if cc.attempts > clientAttemptsMax || (cc.once && cc.attempts > 1) {
		cc.done, cc.doneAt = true, c.now
		cc.reply = protocol.ClientReply{ID: cc.req.ID, Error: "client: gave up"}
		c.cur = -1
		return
	}
	c.deadline = c.now.Add(clientTimeout)
	if c.rec != nil {
		c.rec.sent(c.recID, cc.req, c.nimbuses[c.target])
	}
	c.out = append(c.out, core.Send{To: c.nimbuses[c.target], Payload: protocol.EncodeMessage(cc.req)})
}

// idle reports whether every call queued so far has its outcome.
func (c *client) idle() bool {
	for _, cc := range c.calls {
		if !cc.done {
			return false
		}
	}
	return true
}

func (c *client) onRecv(ev core.Recv) {
	msg, err := protocol.DecodeMessage(ev.Payload)
	if err != nil {
		return
	}
	r, ok := msg.(protocol.ClientReply)
	if ok && c.rec != nil {
		// Every reply counts, even one the client no longer waits for: it
		// tells the outcome of an attempt that timed out.
		c.rec.replied(c.recID, ev.From, r)
	}
	if c.cur < 0 {
		return
	}
	cc := c.calls[c.cur]
	if !ok || r.ID != cc.req.ID {
		return
	}
	if r.NotLeader && !cc.once {
		c.target = c.leaderIndex(r.Leader)
		c.redirect = true
		c.deadline = c.now.Add(200 * time.Millisecond) // resend on a later tick
		return
	}
	cc.reply, cc.done, cc.doneAt = r, true, c.now
	c.cur = -1
}

// leaderIndex picks the nimbus a NotLeader reply points to, or the next one.
func (c *client) leaderIndex(leader core.NodeID) int {
	for i, id := range c.nimbuses {
		if id == leader {
			return i
		}
	}
	return (c.target + 1) % len(c.nimbuses)
}
