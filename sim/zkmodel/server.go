package zkmodel

import (
	"fmt"

	"github.com/squall/squall/core"
)

// Server is the model of one ZooKeeper server. It is not safe for concurrent
// use: the simulator drives it from its one goroutine.
type Server struct {
	nodes map[string]*node // full path → node; "/" always present
	zxid  int64            // zxid of the last committed transaction

	sessions    map[core.SessionID]*session // live sessions only
	sessionNext core.SessionID
	now         core.Time // the latest now seen; now never decreases

	dataWatches  map[string][]core.SessionID // path → sessions, ascending
	childWatches map[string][]core.SessionID // path → sessions, ascending
	notes        []Notification              // fired since TakeNotifications

	// The transaction being applied; both are empty between transactions.
	undo     []undoRecord // how to roll back what it did so far, in order
	triggers []trigger    // what its operations changed, in order
}

// Notification is a watch that fired for a session.
type Notification struct {
	Session core.SessionID
	Event   core.WatchFired
}

func (n Notification) String() string {
	return fmt.Sprintf("notify session=%#x %s", int64(n.Session), n.Event)
}

// sessionFirst is the first session id handed out; ids then increase by one.
// It looks like a real server's ids (server id in the top byte) without
// depending on anything.
const sessionFirst core.SessionID = 0x1000_0000_0000_0001

// New returns a server whose tree holds only the root "/", at zxid 0.
func New() *Server {
	return &Server{
		nodes:        map[string]*node{"/": {}},
		sessions:     map[core.SessionID]*session{},
		sessionNext:  sessionFirst,
		dataWatches:  map[string][]core.SessionID{},
		childWatches: map[string][]core.SessionID{},
	}
}

// Zxid returns the zxid of the last committed transaction (0 before any).
func (s *Server) Zxid() int64 { return s.zxid }

// Apply executes req on behalf of session id at time now. A session that is
// not alive gets CodeSessionExpired and nothing is applied; otherwise the
// request counts as hearing from the session. Invalid requests (a bad path, an
// unknown request type, a Check outside Multi) get CodeBadArguments.
func (s *Server) Apply(id core.SessionID, now core.Time, req core.Request) core.Reply {
	s.advance(now)
	sess := s.sessions[id]
	if sess == nil {
		return core.Reply{Code: core.CodeSessionExpired}
	}
	sess.lastHeard = now
	switch r := req.(type) {
	case core.GetData:
		return s.getData(id, r)
	case core.Exists:
		return s.exists(id, r)
	case core.Children:
		return s.children(id, r)
	case core.Create:
		return s.finish(s.create(id, r))
	case core.Delete:
		return s.finish(s.delete(r))
	case core.SetData:
		return s.finish(s.setData(r))
	case core.Multi:
		return s.multi(id, r)
	}
	// Check is only meaningful inside Multi; anything else is not a request
	// this model (or ZooKeeper) knows.
	return core.Reply{Code: core.CodeBadArguments}
}

// finish ends a single-operation write: commit it when it succeeded. A failed
// single operation fails before it changes anything.
func (s *Server) finish(r core.Reply) core.Reply {
	if r.Code != core.CodeOK {
		core.Assert(len(s.undo) == 0 && len(s.triggers) == 0,
			"zkmodel: failed %s left %d undo records, %d triggers", r.Code, len(s.undo), len(s.triggers))
		return r
	}
	s.commit()
	return r
}

// commit ends the transaction being applied: it takes the next zxid (the one
// its operations already stamped) and fires its triggers.
func (s *Server) commit() {
	s.zxid++
	clear(s.undo) // drop references to deleted nodes and old data
	s.undo = s.undo[:0]
	s.fire()
}

// TakeNotifications returns the watch notifications fired since the last
// call, in the order they fired. The slice is the caller's.
func (s *Server) TakeNotifications() []Notification {
	out := s.notes
	s.notes = nil
	return out
}

// Lookup returns a copy of a znode's data and its stat, for invariant
// checkers: it leaves no watch and needs no session.
func (s *Server) Lookup(path string) (data []byte, stat core.Stat, ok bool) {
	n := s.nodes[path]
	if n == nil {
		return nil, core.Stat{}, false
	}
	return cloneData(n.data), n.visibleStat(), true
}

// ChildrenOf returns a znode's child names, sorted, for invariant checkers;
// nil if there is no such node.
func (s *Server) ChildrenOf(path string) []string {
	n := s.nodes[path]
	if n == nil {
		return nil
	}
	return cloneNames(n.children)
}

// advance records now, which must not go back: session expiry is computed
// from it.
func (s *Server) advance(now core.Time) {
	core.Assert(now >= s.now, "zkmodel: time went back from %s to %s", s.now, now)
	s.now = now
}

// cloneData copies b; the copy is never nil, so an empty znode reads as
// empty data rather than no data.
func cloneData(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

func cloneNames(names []string) []string {
	out := make([]string, len(names))
	copy(out, names)
	return out
}
