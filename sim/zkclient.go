package sim

import (
	"time"

	"github.com/squall/squall/core"
)

// Messages between a node's ZooKeeper client and the ensemble.
type (
	zkConnect   struct{ session core.SessionID }
	zkRequest   struct{ coord core.Coord }
	zkPing      struct{}
	zkConnected struct{ session core.SessionID }
	zkExpired   struct{}
	zkReply     struct {
		op    core.OpID
		reply core.Reply
	}
	zkWatch struct {
		ev  core.WatchFired
		got bool // set by the client on receipt; the server resends what it did not get
	}
	zkPong struct{}
)

// zkQueueMax bounds the requests a client holds while it has no connection;
// past it a request fails at once with ConnectionLoss.
const zkQueueMax = 256

// zkConnectTimeout bounds one connection attempt.
const zkConnectTimeout = time.Second

type clientState uint8

const (
	clientIdle clientState = iota // no connection; a reconnect timer is armed
	clientConnecting
	clientConnected
)

// zkClient models a go-zookeeper client inside a node's process:
//
//   - it pings every third of the session timeout and declares the connection
//     lost when nothing was heard for two thirds of it;
//   - on a lost connection, requests in flight fail with ConnectionLoss and the
//     machine sees Disconnected; the client reconnects with the same session;
//   - requests made while disconnected wait (at most zkQueueMax) and are sent
//     once connected, on whatever session that is;
//   - when the server says the session expired, the machine sees Expired and
//     the client at once opens a new session (as go-zookeeper does).
type zkClient struct {
	n        *Node
	state    clientState
	session  core.SessionID
	c        *conn
	pending  []core.OpID // sent, awaiting replies, in order
	queued   []core.Coord
	timerGen uint64
	lastRecv core.Time // node-local time
	connAt   core.Time // node-local time of the current attempt
}

func newZKClient(n *Node) *zkClient { return &zkClient{n: n} }

func (z *zkClient) timeout() time.Duration { return z.n.w.cfg.ZK.SessionTimeout }

// zkTimerMin is the shortest client timer, so that a drifting clock cannot
// round a remaining wait down to a timer that fires at the same instant forever.
const zkTimerMin = time.Millisecond

func (z *zkClient) arm(d time.Duration) {
	z.timerGen++
	d = max(z.n.toGlobal(d), zkTimerMin)
	z.n.w.schedule(z.n.w.now.Add(d), kindZKClient, z.n.idx, z.n.inc, z.timerGen)
}

func (z *zkClient) send(body any) { z.n.w.net.send(z.c, z.n.ep, body) }

func (z *zkClient) connect() {
	z.state = clientConnecting
	z.c = z.n.w.net.dial(z.n.ep, ZKEndpoint, z.onReset)
	z.connAt = z.n.localNow()
	z.send(&zkConnect{session: z.session})
	z.arm(zkConnectTimeout)
}

func (z *zkClient) onReset() {
	if z.n.zk != z || z.c == nil || z.c.alive {
		return // an old connection, or the client is gone
	}
	z.lost("reset")
}

// lost handles the loss of the current connection.
func (z *zkClient) lost(why string) {
	z.n.w.trace.record(z.n.w.now, string(z.n.cfg.ID), "zk-disconnect", why)
	z.n.w.net.kill(z.c)
	was := z.state
	z.state = clientIdle
	backoff := 20*time.Millisecond + time.Duration(z.n.w.rng.Int64N(int64(180*time.Millisecond)))
	z.arm(backoff)
	if was != clientConnected {
		return
	}
	z.failPending(core.CodeConnectionLoss)
	z.n.deliverLater(core.SessionChanged{State: core.Disconnected, Session: z.session})
}

func (z *zkClient) failPending(code core.Code) {
	for _, op := range z.pending {
		z.n.deliverLater(core.CoordResult{Op: op, Reply: core.Reply{Code: code}})
	}
	z.pending = z.pending[:0]
}

func (z *zkClient) onTimer(inc uint32, gen uint64) {
	if !z.n.live(inc) || z.n.zk != z || gen != z.timerGen {
		return
	}
	if z.n.paused {
		z.n.hold(func() { z.onTimer(inc, gen) })
		return
	}
	now := z.n.localNow()
	switch z.state {
	case clientIdle:
		z.connect()
	case clientConnecting:
		if now.Sub(z.connAt) >= zkConnectTimeout {
			z.lost("connect-timeout")
			return
		}
		z.arm(zkConnectTimeout - now.Sub(z.connAt))
	case clientConnected:
		if now.Sub(z.lastRecv) >= z.timeout()*2/3 {
			z.lost("recv-timeout")
			return
		}
		z.send(&zkPing{})
		z.arm(min(z.timeout()/3, z.timeout()*2/3-now.Sub(z.lastRecv)))
	}
}

// submit executes a machine's Coord effect.
func (z *zkClient) submit(e core.Coord) {
	switch {
	case z.state == clientConnected:
		z.pending = append(z.pending, e.Op)
		z.send(&zkRequest{coord: e})
	case len(z.queued) < zkQueueMax:
		z.queued = append(z.queued, e)
	default:
		z.n.deliverLater(core.CoordResult{Op: e.Op, Reply: core.Reply{Code: core.CodeConnectionLoss}})
	}
}

func (z *zkClient) onMessage(m *message) {
	if m.c != z.c || !m.c.alive {
		return // from a connection this client has given up (perhaps held by a pause)
	}
	z.lastRecv = z.n.localNow()
	switch b := m.body.(type) {
	case *zkConnected:
		z.onConnected(b.session)
	case *zkExpired:
		z.onExpired()
	case *zkReply:
		if len(z.pending) == 0 || z.pending[0] != b.op {
			core.Assert(false, "%s: reply for op %d out of order", z.n.cfg.ID, b.op)
		}
		z.pending = z.pending[1:]
		z.n.deliver(core.CoordResult{Op: b.op, Reply: b.reply})
	case *zkWatch:
		b.got = true
		z.n.deliver(b.ev)
	case *zkPong:
	default:
		core.Assert(false, "unknown ZooKeeper message %T", m.body)
	}
}

func (z *zkClient) onConnected(session core.SessionID) {
	if z.state != clientConnecting {
		return
	}
	z.state = clientConnected
	z.session = session
	z.arm(z.timeout() / 3)
	// Requests queued while disconnected go first, in order, so that requests
	// the machine makes on hearing Connected come after them.
	for _, e := range z.queued {
		z.pending = append(z.pending, e.Op)
		z.send(&zkRequest{coord: e})
	}
	z.queued = z.queued[:0]
	z.n.deliver(core.SessionChanged{State: core.Connected, Session: session})
}

func (z *zkClient) onExpired() {
	old := z.session
	z.n.w.trace.record(z.n.w.now, string(z.n.cfg.ID), "zk-expired", "")
	z.n.w.net.kill(z.c)
	z.failPending(core.CodeSessionExpired)
	z.session = 0
	if z.state == clientConnected || old != 0 {
		z.n.deliverLater(core.SessionChanged{State: core.Expired, Session: old})
	}
	z.connect()
}

// close drops the client with its process: no goodbye reaches the server.
func (z *zkClient) close() {
	if z.c != nil {
		z.n.w.net.kill(z.c)
	}
	z.timerGen++
}
