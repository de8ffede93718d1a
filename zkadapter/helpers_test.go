package zkadapter

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// coordinator is what both Client and MemoryClient offer a driver.
type coordinator interface {
	Submit(core.Coord)
	Close() error
}

var (
	_ coordinator = (*Client)(nil)
	_ coordinator = (*MemoryClient)(nil)
)

// waitMax bounds every wait of a test for an event.
const waitMax = 10 * time.Second

// recorder is a sink that keeps every event, for tests to wait on.
type recorder struct {
	mu     sync.Mutex
	events []core.Event
	more   chan struct{} // signalled (non-blocking) on each event
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{}, 1)} }

func (r *recorder) sink(ev core.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

// waitFor waits until match accepts an event at index from or later and
// returns that event's index.
func (r *recorder) waitFor(t *testing.T, from int, what string, match func(core.Event) bool) int {
	t.Helper()
	deadline := time.After(waitMax)
	for {
		r.mu.Lock()
		for i := from; i < len(r.events); i++ {
			if match(r.events[i]) {
				r.mu.Unlock()
				return i
			}
		}
		r.mu.Unlock()
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("waiting for %s: got events %v, want one within %s", what, r.snapshot(), waitMax)
		}
	}
}

func (r *recorder) snapshot() []core.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]core.Event(nil), r.events...)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func (r *recorder) at(i int) core.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events[i]
}

func isSession(state core.SessionState) func(core.Event) bool {
	return func(ev core.Event) bool {
		s, ok := ev.(core.SessionChanged)
		return ok && s.State == state
	}
}

func isResult(op core.OpID) func(core.Event) bool {
	return func(ev core.Event) bool {
		r, ok := ev.(core.CoordResult)
		return ok && r.Op == op
	}
}

// session drives one coordinator synchronously: Do submits and waits for the
// result; events between results are kept for Watches.
type session struct {
	t      *testing.T
	c      coordinator
	rec    *recorder
	id     core.SessionID
	nextOp core.OpID
	seen   int  // events before this index have been looked at
	dead   bool // the test ended the session
}

// openSession wraps a coordinator whose events go to rec and waits for its
// first Connected.
func openSession(t *testing.T, c coordinator, rec *recorder) *session {
	t.Helper()
	i := rec.waitFor(t, 0, "Connected", isSession(core.Connected))
	return &session{t: t, c: c, rec: rec, id: rec.at(i).(core.SessionChanged).Session, seen: 0}
}

func (s *session) Do(req core.Request) core.Reply {
	s.t.Helper()
	if s.dead {
		return core.Reply{Code: core.CodeSessionExpired}
	}
	s.nextOp++
	op := s.nextOp
	s.c.Submit(core.Coord{Op: op, Req: req})
	i := s.rec.waitFor(s.t, s.seen, "result of "+req.String(), isResult(op))
	return s.rec.at(i).(core.CoordResult).Reply
}

// Watches makes a round trip on the session (ZooKeeper sends a watch event
// before the reply to any later request), then returns the watch events
// delivered since the last call.
func (s *session) Watches() []core.WatchFired {
	s.t.Helper()
	if !s.dead {
		if r := s.Do(core.Exists{Path: "/"}); r.Code != core.CodeOK {
			s.t.Fatalf("round trip: got %s, want OK", r)
		}
	}
	var out []core.WatchFired
	n := s.rec.len()
	for i := s.seen; i < n; i++ {
		if w, ok := s.rec.at(i).(core.WatchFired); ok {
			out = append(out, w)
		}
	}
	s.seen = n
	return out
}

func (s *session) ID() core.SessionID { return s.id }

// zkAddr returns the real ZooKeeper to test against, or skips the test.
func zkAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("SQUALL_ZK")
	if addr == "" {
		t.Skip("SQUALL_ZK not set: the real-ZooKeeper conformance suite runs under `make test`, which starts a ZooKeeper")
	}
	return addr
}
