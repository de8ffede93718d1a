package zkadapter

import (
	"sync"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/sim/zkmodel"
)

// MemoryServer is an in-memory coordination service for local mode (one
// process): the simulator's ZooKeeper model (sim/zkmodel) behind a mutex,
// with the real clock. Its sessions never expire while their client is open;
// closing a client ends its session, deleting its ephemerals and firing the
// watches other clients left on them. Safe for concurrent use.
type MemoryServer struct {
	mu      sync.Mutex
	model   *zkmodel.Server
	start   time.Time
	last    core.Time
	clients map[core.SessionID]*MemoryClient
}

// memorySessionTimeoutDefault is the timeout recorded for a session opened
// with none; it never runs out (the server never expires sessions).
const memorySessionTimeoutDefault = 10 * time.Second

// memoryEventsQueuedMax bounds the events a MemoryClient holds for its sink
// beyond which Submit fails requests at once with CodeConnectionLoss. Watch
// notifications are queued past it: each consumes a watch the client set with
// a request of its own, so they are bounded by its requests.
const memoryEventsQueuedMax = 1024

// NewMemoryServer returns a server whose tree holds only "/".
func NewMemoryServer() *MemoryServer {
	return &MemoryServer{
		model:   zkmodel.New(),
		start:   time.Now(),
		clients: map[core.SessionID]*MemoryClient{},
	}
}

// MemoryClient is one session on a MemoryServer. It offers the same Submit
// and Close as Client.
type MemoryClient struct {
	srv  *MemoryServer
	id   core.SessionID
	sink func(core.Event)
	done chan struct{} // closed when run ends

	mu     sync.Mutex
	cond   *sync.Cond
	out    []core.Event // for the sink, in order; guarded by mu
	closed bool         // guarded by mu (and set with srv.mu held)
}

// Connect opens a session and starts a client that delivers its events to
// sink, in order, from one goroutine of its own (sink must not block for long
// and must not call Close). The first event is SessionChanged{Connected}.
func (s *MemoryServer) Connect(sessionTimeout time.Duration, sink func(core.Event)) *MemoryClient {
	core.Assert(sink != nil, "zkadapter: nil sink")
	if sessionTimeout <= 0 {
		sessionTimeout = memorySessionTimeoutDefault
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.model.OpenSession(s.now(), sessionTimeout)
	c := &MemoryClient{srv: s, id: id, sink: sink, done: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	s.clients[id] = c
	c.push(core.SessionChanged{State: core.Connected, Session: id})
	go c.run()
	return c
}

// now is the model's clock: monotonic time since the server started, never
// going back. s.mu held.
func (s *MemoryServer) now() core.Time {
	t := core.Time(time.Since(s.start))
	if t < s.last {
		t = s.last
	}
	s.last = t
	return t
}

// route hands the model's watch notifications to their clients. s.mu held.
func (s *MemoryServer) route() {
	for _, n := range s.model.TakeNotifications() {
		if c := s.clients[n.Session]; c != nil {
			c.push(n.Event)
		}
	}
}

// Submit applies the request at once, in submission order; its result (after
// any watch events it fired for this client, as ZooKeeper sends them) is
// delivered asynchronously. When memoryEventsQueuedMax events wait for the
// sink it fails with CodeConnectionLoss instead. After Close it does nothing.
func (c *MemoryClient) Submit(e core.Coord) {
	s := c.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.isClosed() {
		return
	}
	if c.queued() >= memoryEventsQueuedMax {
		c.push(core.CoordResult{Op: e.Op, Reply: core.Reply{Code: core.CodeConnectionLoss}})
		return
	}
	reply := s.model.Apply(c.id, s.now(), e.Req)
	s.route()
	c.push(core.CoordResult{Op: e.Op, Reply: reply})
}

// Close ends the session, as its expiry would: its ephemerals are deleted
// and other clients' watches on them fire. It stops the client's goroutine
// and returns when it has ended; undelivered events are dropped.
func (c *MemoryClient) Close() error {
	s := c.srv
	s.mu.Lock()
	if c.isClosed() {
		s.mu.Unlock()
		<-c.done
		return nil
	}
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	delete(s.clients, c.id)
	s.model.Expire(c.id)
	s.route()
	s.mu.Unlock()
	<-c.done
	return nil
}

func (c *MemoryClient) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *MemoryClient) queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out)
}

func (c *MemoryClient) push(ev core.Event) {
	c.mu.Lock()
	c.out = append(c.out, ev)
	c.cond.Broadcast()
	c.mu.Unlock()
}

// run delivers the client's events to its sink, in order; it ends at Close.
func (c *MemoryClient) run() {
	defer close(c.done)
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
		c.mu.Unlock()
		c.sink(ev)
	}
}
