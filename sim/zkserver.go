package sim

import (
	"strconv"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/sim/zkmodel"
)

// ZKConfig sets the ZooKeeper ensemble's behaviour.
type ZKConfig struct {
	SessionTimeout time.Duration // default 4s
	TickPeriod     time.Duration // session-expiry check period, default 200ms (tickTime)
	// LostReplyRate is the probability that a request is applied but its reply
	// is lost with the connection: the client sees ConnectionLoss.
	LostReplyRate float64
}

func (c ZKConfig) withDefaults() ZKConfig {
	if c.SessionTimeout == 0 {
		c.SessionTimeout = 4 * time.Second
	}
	if c.TickPeriod == 0 {
		c.TickPeriod = 200 * time.Millisecond
	}
	return c
}

// heldNotificationsMax bounds the watch notifications kept for a session whose
// connection is down; past it the session is expired, which a client survives
// by rebuilding its state, rather than silently losing a watch.
const heldNotificationsMax = 1 << 12

// Applied describes one request the ensemble executed, for invariant checkers.
type Applied struct {
	Node    core.NodeID
	Session core.SessionID
	Req     core.Request
	Reply   core.Reply
}

// zkServer is the ensemble seen from the network: it wraps the znode model,
// binds sessions to connections, expires silent sessions, can suffer a
// whole-ensemble outage, and can lose replies of applied requests.
type zkServer struct {
	w           *World
	cfg         ZKConfig
	model       *zkmodel.Server
	up          bool
	connSession map[*conn]core.SessionID
	sessionConn map[core.SessionID]*conn
	sessionNode map[core.SessionID]core.NodeID
	held        map[core.SessionID][]core.WatchFired
	// unacked holds, per session, the notifications written to its current
	// connection that the client has not received yet. A partition or a reset
	// can drop them in flight; a reconnect on the session sends them again,
	// as a ZooKeeper client's SetWatches makes the server fire them again.
	unacked map[core.SessionID][]*zkWatch
	onApply []func(Applied)

	LostReplies, Expirations uint64
}

func newZKServer(w *World, cfg ZKConfig) *zkServer {
	s := &zkServer{
		w:           w,
		cfg:         cfg,
		model:       zkmodel.New(),
		up:          true,
		connSession: map[*conn]core.SessionID{},
		sessionConn: map[core.SessionID]*conn{},
		sessionNode: map[core.SessionID]core.NodeID{},
		held:        map[core.SessionID][]core.WatchFired{},
		unacked:     map[core.SessionID][]*zkWatch{},
	}
	w.net.handlers[ZKEndpoint] = s.onMessage
	w.schedule(w.now.Add(cfg.TickPeriod), kindZKServer, -1, 0, nil)
	return s
}

// ZK is the ensemble's znode model, for invariant checkers to observe.
func (w *World) ZK() *zkmodel.Server { return w.zk.model }

// OnZKApply registers fn to see every request the ensemble applies, right
// after it is applied; invariant checkers use it.
func (w *World) OnZKApply(fn func(Applied)) { w.zk.onApply = append(w.zk.onApply, fn) }

// SessionNode names the node whose client opened session id.
func (w *World) SessionNode(id core.SessionID) core.NodeID { return w.zk.sessionNode[id] }

// SetLostReplyRate changes the probability of losing a reply.
func (w *World) SetLostReplyRate(p float64) { w.zk.cfg.LostReplyRate = p }

// ZKOutage takes the whole ensemble down for d: connections are refused and
// reset, nothing is applied. When it returns, every live session's timer
// restarts, as a newly elected ZooKeeper leader does.
func (w *World) ZKOutage(d time.Duration) {
	s := w.zk
	if !s.up {
		return
	}
	w.trace.record(w.now, "zk", "outage", d.String())
	s.up = false
	w.net.ResetConns(ZKEndpoint)
	w.After(d, "zk-recover", func() {
		s.up = true
		s.model.RenewAll(w.now)
	})
}

// ExpireSession makes the ensemble expire a node's session now.
func (w *World) ExpireSession(n *Node) {
	id := n.Session()
	if id == 0 || !w.zk.model.Alive(id) {
		return
	}
	w.trace.record(w.now, "zk", "expire", string(n.cfg.ID))
	w.zk.expire([]core.SessionID{id}, true)
}

// OperatorWrite replaces the data of an existing znode as an operator (or a
// buggy tool) would by hand, on a session of its own that ends at once:
// the version rises and data watches fire, as for any write. Invariant
// checkers do not see it (no node wrote it). It reports the write's code.
func (w *World) OperatorWrite(path string, data []byte) core.Code {
	s := w.zk
	w.trace.record(w.now, "zk", "operator-write", path+" "+strconv.Quote(string(data)))
	id := s.model.OpenSession(w.now, s.cfg.SessionTimeout)
	r := s.model.Apply(id, w.now, core.SetData{Path: path, Data: data, Version: core.AnyVersion})
	s.model.Expire(id)
	s.notify()
	return r.Code
}

func (s *zkServer) reply(c *conn, body any) { s.w.net.send(c, ZKEndpoint, body) }

func (s *zkServer) onMessage(m *message) {
	if !s.up {
		s.w.net.reset(m.c) // connection refused
		return
	}
	switch b := m.body.(type) {
	case *zkConnect:
		s.onConnect(m, b.session)
	case *zkPing:
		if id := s.connSession[m.c]; id != 0 {
			if !s.model.Touch(id, s.w.now) {
				s.reply(m.c, &zkExpired{})
				return
			}
			s.reply(m.c, &zkPong{})
		}
	case *zkRequest:
		s.onRequest(m, b.coord)
	default:
		core.Assert(false, "unknown ZooKeeper message %T", m.body)
	}
}

func (s *zkServer) onConnect(m *message, id core.SessionID) {
	if id == 0 {
		id = s.model.OpenSession(s.w.now, s.cfg.SessionTimeout)
		s.sessionNode[id] = core.NodeID(s.w.net.names[m.from])
	} else if !s.model.Touch(id, s.w.now) {
		s.reply(m.c, &zkExpired{})
		return
	}
	if old := s.sessionConn[id]; old != nil {
		delete(s.connSession, old)
	}
	s.connSession[m.c] = id
	s.sessionConn[id] = m.c
	s.reply(m.c, &zkConnected{session: id})
	// Lost in flight first: they fired before any that were held.
	var again []core.WatchFired
	for _, wm := range s.unacked[id] {
		if !wm.got {
			again = append(again, wm.ev)
		}
	}
	delete(s.unacked, id)
	for _, ev := range append(again, s.held[id]...) {
		s.sendWatch(id, m.c, ev)
	}
	delete(s.held, id)
}

// sendWatch writes a notification to the session's connection and keeps it
// until the client has it. The client receives in order, so what it has is a
// prefix, dropped here.
func (s *zkServer) sendWatch(id core.SessionID, c *conn, ev core.WatchFired) {
	q := s.unacked[id]
	for len(q) > 0 && q[0].got {
		q = q[1:]
	}
	wm := &zkWatch{ev: ev}
	s.unacked[id] = append(q, wm)
	s.reply(c, wm)
}

func (s *zkServer) onRequest(m *message, e core.Coord) {
	id := s.connSession[m.c]
	if id == 0 {
		return // not a session's connection: a client bug would assert elsewhere
	}
	reply := s.model.Apply(id, s.w.now, e.Req)
	for _, fn := range s.onApply {
		fn(Applied{Node: s.sessionNode[id], Session: id, Req: e.Req, Reply: reply})
	}
	s.notify()
	if reply.Code == core.CodeSessionExpired {
		s.reply(m.c, &zkReply{op: e.Op, reply: reply})
		s.reply(m.c, &zkExpired{})
		return
	}
	if s.cfg.LostReplyRate > 0 && s.w.rng.Float64() < s.cfg.LostReplyRate {
		s.LostReplies++
		s.w.trace.recordEffect(s.w.now, "zk", "lost-reply", e)
		s.w.net.reset(m.c)
		return
	}
	s.reply(m.c, &zkReply{op: e.Op, reply: reply})
}

// notify routes the watch notifications the model produced.
func (s *zkServer) notify() {
	for _, note := range s.model.TakeNotifications() {
		c := s.sessionConn[note.Session]
		if c != nil && c.alive {
			s.sendWatch(note.Session, c, note.Event)
			continue
		}
		held := append(s.held[note.Session], note.Event)
		s.held[note.Session] = held
		if len(held) > heldNotificationsMax {
			s.expire([]core.SessionID{note.Session}, true)
		}
	}
}

func (s *zkServer) onTimer() {
	s.w.schedule(s.w.now.Add(s.cfg.TickPeriod), kindZKServer, -1, 0, nil)
	if !s.up {
		return
	}
	if ids := s.model.ExpireDue(s.w.now); len(ids) > 0 {
		s.expire(ids, false)
	}
}

// expire ends sessions at the server; force says the model has not yet
// expired them.
func (s *zkServer) expire(ids []core.SessionID, force bool) {
	for _, id := range ids {
		s.Expirations++
		if force {
			s.model.Expire(id)
		}
		s.w.trace.record(s.w.now, "zk", "session-expired", string(s.sessionNode[id]))
		if c := s.sessionConn[id]; c != nil {
			if c.alive {
				s.reply(c, &zkExpired{})
			}
			delete(s.connSession, c)
		}
		delete(s.sessionConn, id)
		delete(s.held, id)
		delete(s.unacked, id)
	}
	s.notify()
}
