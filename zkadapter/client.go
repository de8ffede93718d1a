package zkadapter

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/squall/squall/core"
)

// Config configures a Client.
type Config struct {
	Servers        []string      // host:port of each ZooKeeper server
	SessionTimeout time.Duration // requested; the server bounds it (default 10s)
	Logger         *slog.Logger  // nil: discard
	// Secret, when set, is the cluster secret: the session authenticates
	// with ZooKeeper's digest scheme as user "squall" before any request,
	// and every znode it creates carries a digest ACL that lets only that
	// identity read or change it (see ACL).
	Secret []byte
}

// aclUser is the digest identity of a cluster's daemons.
const aclUser = "squall"

// ACL is the access list of the znodes a client with secret creates: all
// permissions for the cluster's digest identity, nothing for anyone else;
// no secret gives the open world ACL.
func ACL(secret []byte) []zk.ACL {
	if len(secret) == 0 {
		return zk.WorldACL(zk.PermAll)
	}
	return zk.DigestACL(zk.PermAll, aclUser, string(secret))
}

// sessionTimeoutDefault is used when Config.SessionTimeout is zero.
const sessionTimeoutDefault = 10 * time.Second

// requestsQueuedMax bounds the requests a Client holds that it has not sent
// yet (as the simulator's client bounds its queue, zkQueueMax in sim). Past
// it Submit fails the request at once with CodeConnectionLoss rather than
// block: the caller may be the goroutine that drains the sink.
const requestsQueuedMax = 256

// eventsQueuedMax bounds the events read from ZooKeeper and not yet handed to
// the sink. When it is full the client stops reading from ZooKeeper until the
// sink catches up. Rejections by Submit are added past it, one per rejected
// request, so that Submit never blocks.
const eventsQueuedMax = 1024

// Client executes one machine's coordination effects on ZooKeeper through
// go-zookeeper. See the package documentation for its model.
type Client struct {
	log  *slog.Logger
	sink func(core.Event)
	conn *zk.Conn
	acl  []zk.ACL // of the znodes it creates
	// auth is the digest credential to add before the first request; nil
	// for none. go-zookeeper re-adds it on every reconnection.
	auth []byte

	ready chan struct{} // closed once conn is set
	wg    sync.WaitGroup

	mu   sync.Mutex
	cond *sync.Cond // signalled on every change below
	// Guarded by mu.
	closed    bool
	connected bool           // a session is established on a live connection
	session   core.SessionID // the session in use, 0 when none
	passwd    []byte         // its password, read off the wire (for tests)
	pending   []core.Coord   // submitted, not yet started, in order
	// watchesSet: a watch may be registered in go-zookeeper (since the last
	// expiry); setWatchesDue: a resumed session's SetWatches is not written
	// yet, so requests wait (see resumeGate).
	watchesSet    bool
	setWatchesDue bool
	gate          *time.Timer
	flight        *flight      // the request being executed, or nil
	deferred      []core.Event // read after the flight's reply, before its result
	out           []core.Event // for the sink, in order
}

// flight is the one request a Client has in go-zookeeper at a time.
type flight struct {
	op       core.OpID
	xid      int32 // set when its packet is written; 0 until then
	replied  bool  // its reply has been read off the wire
	answered bool  // a result was already delivered (the connection was lost)
}

// New starts a client of the servers in cfg. It returns at once: the client
// connects in the background and reports SessionChanged{Connected} through
// sink once a session is established.
//
// sink receives every event of the client (CoordResult, WatchFired,
// SessionChanged) in order, from one goroutine of the client, never
// concurrently. It must not block for long: while it runs, no other event is
// delivered and, once eventsQueuedMax events wait, nothing more is read from
// ZooKeeper. It may call Submit but not Close.
func New(cfg Config, sink func(core.Event)) (*Client, error) {
	if len(cfg.Servers) == 0 {
		return nil, errors.New("zkadapter: no ZooKeeper servers configured")
	}
	if sink == nil {
		return nil, errors.New("zkadapter: nil sink")
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = sessionTimeoutDefault
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &Client{log: log, sink: sink, ready: make(chan struct{}), acl: ACL(cfg.Secret)}
	if len(cfg.Secret) > 0 {
		c.auth = []byte(aclUser + ":" + string(cfg.Secret))
	}
	c.cond = sync.NewCond(&c.mu)
	conn, _, err := zk.Connect(cfg.Servers, cfg.SessionTimeout,
		zk.WithDialer(watchingDialer(c)),
		zk.WithEventCallback(c.onZKEvent),
		zk.WithLogger(zkLogger{log}),
		zk.WithLogInfo(false),
	)
	if err != nil {
		return nil, fmt.Errorf("zkadapter: connecting to %v: %w", cfg.Servers, err)
	}
	c.conn = conn
	close(c.ready)
	c.wg.Add(2)
	go c.runRequests()
	go c.runSink()
	return c, nil
}

// Submit queues a coordination request; its result arrives later through the
// sink as a CoordResult with the same Op. Requests reach ZooKeeper in the
// order submitted, one at a time, and their results come back in that order.
// While no session is established requests wait (a request in flight when
// the connection is lost fails with CodeConnectionLoss, its outcome unknown).
// When requestsQueuedMax requests wait already, the request fails at once
// with CodeConnectionLoss, possibly before the results of earlier ones.
// Submit never blocks for long. After Close it does nothing.
func (c *Client) Submit(e core.Coord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if len(c.pending) >= requestsQueuedMax {
		c.log.Warn("zkadapter: request queue full, failing request", "op", e.Op, "queued", len(c.pending))
		c.out = append(c.out, core.CoordResult{Op: e.Op, Reply: core.Reply{Code: core.CodeConnectionLoss}})
		c.cond.Broadcast()
		return
	}
	c.pending = append(c.pending, e)
	c.cond.Broadcast()
}

// Close ends the session (its ephemerals are deleted at once), stops the
// client's goroutines and returns when they have ended. Events not yet
// delivered and results of unanswered requests are dropped.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	if c.gate != nil {
		c.gate.Stop()
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	c.conn.Close() // unblocks the request in flight
	c.wg.Wait()
	return nil
}

// runRequests executes the queued requests one at a time, each once a session
// is established. It ends when the client is closed.
func (c *Client) runRequests() {
	defer c.wg.Done()
	if !c.authenticate() {
		return
	}
	for {
		c.mu.Lock()
		for !c.closed && !(c.connected && !c.setWatchesDue && len(c.pending) > 0) {
			c.cond.Wait()
		}
		if c.closed {
			c.mu.Unlock()
			return
		}
		e := c.pending[0]
		c.pending = c.pending[1:]
		if hasWatch(e.Req) {
			c.watchesSet = true
		}
		f := &flight{op: e.Op}
		c.flight = f
		c.mu.Unlock()

		reply := execute(c.conn, c.acl, e.Req)

		c.mu.Lock()
		c.waitRoom()
		if !f.answered {
			c.out = append(c.out, core.CoordResult{Op: e.Op, Reply: reply})
		}
		c.flight = nil
		c.out = append(c.out, c.deferred...)
		c.deferred = nil
		c.cond.Broadcast()
		c.mu.Unlock()
	}
}

// runSink hands events to the sink in order. It ends when the client is
// closed.
func (c *Client) runSink() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		for !c.closed && len(c.out) == 0 {
			c.cond.Wait()
		}
		if c.closed {
			c.mu.Unlock()
			return
		}
		ev := c.out[0]
		c.out[0] = nil
		c.out = c.out[1:]
		c.cond.Broadcast() // room for producers
		c.mu.Unlock()
		c.sink(ev)
	}
}

// waitRoom waits, with mu held, until the sink's queue has room or the client
// is closed. Producers wait before deciding what to append, so that what they
// append in one step stays in order.
func (c *Client) waitRoom() {
	for !c.closed && len(c.out) >= eventsQueuedMax {
		c.cond.Wait()
	}
}

// emit queues ev for the sink, after the flight's result when the flight's
// reply has already been read (ZooKeeper sent ev after that reply). mu held.
func (c *Client) emit(ev core.Event) {
	if c.flight != nil && c.flight.replied {
		c.deferred = append(c.deferred, ev)
		return
	}
	c.out = append(c.out, ev)
	c.cond.Broadcast()
}

// failFlight answers the request in flight with code when its reply has not
// been read: the connection or the session is gone, so its outcome is unknown
// (or, for an expired session, it was not applied on it). mu held.
func (c *Client) failFlight(code core.Code) {
	f := c.flight
	if f == nil || f.answered || f.replied {
		return
	}
	f.answered = true
	c.out = append(c.out, core.CoordResult{Op: f.op, Reply: core.Reply{Code: code}})
}

// onZKEvent receives go-zookeeper's session changes and watch notifications,
// on its goroutines, in the order it read them.
func (c *Client) onZKEvent(ev zk.Event) {
	<-c.ready
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waitRoom()
	if c.closed {
		return
	}
	switch ev.Type {
	case zk.EventSession:
		c.onSessionEvent(ev.State)
	case zk.EventNodeCreated, zk.EventNodeDeleted, zk.EventNodeDataChanged, zk.EventNodeChildrenChanged:
		c.emit(core.WatchFired{Type: watchType(ev.Type), Path: ev.Path})
	case zk.EventNotWatching:
		// go-zookeeper dropping its watch channels after an expiry or a
		// close: the machine learns it from SessionChanged{Expired}.
	default:
		c.log.Warn("zkadapter: unknown ZooKeeper event", "type", ev.Type.String(), "path", ev.Path)
	}
}

// onSessionEvent maps go-zookeeper's states to the core's, as the simulator's
// client reports them: Connected for every established session (new or
// resumed), Disconnected when a connected client loses its connection (the
// request in flight fails with ConnectionLoss), Expired when the server says
// the session is gone; go-zookeeper then opens a new session by itself,
// reported by a later Connected. mu held.
func (c *Client) onSessionEvent(state zk.State) {
	switch state {
	case zk.StateHasSession:
		id := core.SessionID(c.conn.SessionID())
		c.resumeGate(id == c.session && c.watchesSet)
		c.connected = true
		c.session = id
		c.emit(core.SessionChanged{State: core.Connected, Session: c.session})
	case zk.StateDisconnected:
		if !c.connected {
			return // a failed attempt, or the end of an expired connection
		}
		c.connected = false
		c.failFlight(core.CodeConnectionLoss)
		c.emit(core.SessionChanged{State: core.Disconnected, Session: c.session})
	case zk.StateExpired:
		old := c.session
		c.connected = false
		c.session = 0
		c.passwd = nil
		c.watchesSet = false // go-zookeeper drops its watches at expiry
		c.failFlight(core.CodeSessionExpired)
		if old != 0 {
			c.emit(core.SessionChanged{State: core.Expired, Session: old})
		}
	case zk.StateAuthFailed:
		c.log.Error("zkadapter: ZooKeeper authentication failed")
	}
	c.cond.Broadcast()
}

// setWatchesWaitMax bounds how long requests on a resumed session wait for
// go-zookeeper to write its SetWatches (it writes none when it holds no
// watch, which the client cannot see).
const setWatchesWaitMax = 100 * time.Millisecond

// resumeGate holds requests on a resumed session until go-zookeeper has sent
// SetWatches. go-zookeeper reads its last zxid for SetWatches while its
// receive loop, already running, writes it on every reply, without a lock (a
// known data race, go-zookeeper/zk#35); no reply can arrive before the first
// request goes out, so waiting for the SetWatches packet orders the two.
// mu held.
func (c *Client) resumeGate(resumed bool) {
	if !resumed {
		return
	}
	c.setWatchesDue = true
	if c.gate != nil {
		c.gate.Stop()
	}
	// The timer's goroutine is the runtime's; Close stops the timer.
	c.gate = time.AfterFunc(setWatchesWaitMax, func() {
		c.mu.Lock()
		c.setWatchesDue = false
		c.cond.Broadcast()
		c.mu.Unlock()
	})
}

func hasWatch(req core.Request) bool {
	switch r := req.(type) {
	case core.GetData:
		return r.Watch
	case core.Exists:
		return r.Watch
	case core.Children:
		return r.Watch
	}
	return false
}

// Opcodes go-zookeeper uses for a core.Request, and for SetWatches.
var requestOpcodes = map[int32]bool{1: true, 2: true, 3: true, 4: true, 5: true, 12: true, 14: true}

const opSetWatches = 101

func (c *Client) sent(xid, opcode int32) {
	if opcode == opSetWatches {
		c.mu.Lock()
		c.setWatchesDue = false
		c.cond.Broadcast()
		c.mu.Unlock()
		return
	}
	if !requestOpcodes[opcode] {
		return // ping, close
	}
	c.mu.Lock()
	if c.flight != nil {
		c.flight.xid = xid
	}
	c.mu.Unlock()
}

func (c *Client) received(connectResponse bool, head []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if connectResponse {
		if id, pw := connectPassword(head); id != 0 {
			c.passwd = pw
		}
		return
	}
	xid := replyXid(head)
	if f := c.flight; f != nil && xid > 0 && xid == f.xid {
		f.replied = true
	}
}

// sessionCredentials returns the current session's id and password (zero
// when there is none), for tests that end the session from outside.
func (c *Client) sessionCredentials() (core.SessionID, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session, append([]byte(nil), c.passwd...)
}

// zkLogger sends go-zookeeper's log lines to slog.
type zkLogger struct{ l *slog.Logger }

func (z zkLogger) Printf(format string, args ...any) {
	z.l.Info("zookeeper client: " + fmt.Sprintf(format, args...))
}

// authRetryDelay paces the retries of a digest authentication that failed
// (the connection was lost meanwhile); authAttemptsMax bounds them.
const (
	authRetryDelay  = 200 * time.Millisecond
	authAttemptsMax = 600 // two minutes of a ZooKeeper that cannot be reached
)

// authenticate adds the digest credential before the first request runs,
// retrying while the connection is down. It reports false when the client
// closed or authentication never succeeded (then every request fails with
// the server's NoAuth, which the log explains).
func (c *Client) authenticate() bool {
	if c.auth == nil {
		return true
	}
	for attempt := 0; attempt < authAttemptsMax; attempt++ {
		err := c.conn.AddAuth("digest", c.auth)
		if err == nil {
			return true
		}
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return false
		}
		c.log.Warn("zkadapter: digest authentication failed; retrying", "err", err)
		time.Sleep(authRetryDelay)
	}
	c.log.Error("zkadapter: digest authentication never succeeded; requests on digest-protected znodes will fail",
		"attempts", authAttemptsMax)
	return true
}
