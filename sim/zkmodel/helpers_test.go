package zkmodel

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// fixture drives a Server with a clock that advances by a millisecond per
// call, as a simulator would.
type fixture struct {
	s   *Server
	now core.Time
}

const fixtureTimeout = 10 * time.Second

func newFixture() *fixture { return &fixture{s: New()} }

func (f *fixture) tick() core.Time {
	f.now = f.now.Add(time.Millisecond)
	return f.now
}

func (f *fixture) open() core.SessionID { return f.s.OpenSession(f.tick(), fixtureTimeout) }

// do applies req and fails unless the reply's code is want.
func (f *fixture) do(t *testing.T, id core.SessionID, req core.Request, want core.Code) core.Reply {
	t.Helper()
	r := f.s.Apply(id, f.tick(), req)
	if r.Code != want {
		t.Fatalf("%s: got %s, want %s", req, r.Code, want)
	}
	checkInvariants(t, f.s)
	return r
}

func (f *fixture) ok(t *testing.T, id core.SessionID, req core.Request) core.Reply {
	t.Helper()
	return f.do(t, id, req, core.CodeOK)
}

func (f *fixture) stat(t *testing.T, path string) core.Stat {
	t.Helper()
	_, st, ok := f.s.Lookup(path)
	if !ok {
		t.Fatalf("Lookup(%s): got no node, want one", path)
	}
	return st
}

func mkPersistent(path string) core.Create {
	return core.Create{Path: path, Mode: core.Persistent}
}

// checkNotes fails unless the notifications fired since the last take are want.
func checkNotes(t *testing.T, s *Server, want ...Notification) {
	t.Helper()
	got := s.TakeNotifications()
	if !slices.Equal(got, want) {
		t.Fatalf("notifications:\n got %v\nwant %v", got, want)
	}
}

func note(id core.SessionID, typ core.WatchType, path string) Notification {
	return Notification{Session: id, Event: core.WatchFired{Type: typ, Path: path}}
}

// checkInvariants walks the whole model. It is the test-side twin of the
// asserts on the mutation paths.
func checkInvariants(t *testing.T, s *Server) {
	t.Helper()
	if len(s.undo) != 0 || len(s.triggers) != 0 {
		t.Fatalf("between transactions: got %d undo records, %d triggers, want none", len(s.undo), len(s.triggers))
	}
	if s.nodes["/"] == nil {
		t.Fatalf("root missing")
	}
	for path, n := range s.nodes {
		if err := checkNode(s, path, n); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	for id, sess := range s.sessions {
		for path := range sess.ephemerals {
			if n := s.nodes[path]; n == nil || n.stat.EphemeralOwner != id {
				t.Fatalf("session %#x lists ephemeral %s it does not own", int64(id), path)
			}
		}
		for key := range sess.watches {
			if _, found := slices.BinarySearch(s.table(key.kind)[key.path], id); !found {
				t.Fatalf("session %#x lists watch %v absent from its table", int64(id), key)
			}
		}
	}
	for _, kind := range []watchKind{watchData, watchChild} {
		for path, ids := range s.table(kind) {
			if len(ids) == 0 || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
				t.Fatalf("watch table %d %s: got %v, want a non-empty sorted set", kind, path, ids)
			}
			for _, id := range ids {
				sess := s.sessions[id]
				if sess == nil {
					t.Fatalf("watch %s held by dead session %#x", path, int64(id))
				}
				if _, ok := sess.watches[watchKey{kind: kind, path: path}]; !ok {
					t.Fatalf("watch %s not indexed by session %#x", path, int64(id))
				}
			}
		}
	}
}

func checkNode(s *Server, path string, n *node) error {
	st := n.stat
	switch {
	case int(st.NumChildren) != len(n.children):
		return fmt.Errorf("NumChildren %d, %d children", st.NumChildren, len(n.children))
	case !slices.IsSorted(n.children):
		return fmt.Errorf("children not sorted: %v", n.children)
	case int(st.DataLength) != len(n.data):
		return fmt.Errorf("DataLength %d, data %d bytes", st.DataLength, len(n.data))
	case st.Mzxid < st.Czxid || st.Pzxid < st.Czxid || st.Mzxid > s.zxid || st.Pzxid > s.zxid:
		return fmt.Errorf("zxids c=%d m=%d p=%d at zxid %d", st.Czxid, st.Mzxid, st.Pzxid, s.zxid)
	}
	for _, name := range n.children {
		if s.nodes[childPath(path, name)] == nil {
			return fmt.Errorf("child %s has no node", name)
		}
	}
	if path != "/" {
		parent := s.nodes[parentOf(path)]
		if parent == nil {
			return fmt.Errorf("no parent")
		}
		if _, found := slices.BinarySearch(parent.children, nameOf(path)); !found {
			return fmt.Errorf("not listed by its parent")
		}
	}
	if owner := st.EphemeralOwner; owner != 0 {
		sess := s.sessions[owner]
		if sess == nil {
			return fmt.Errorf("ephemeral of dead session %#x", int64(owner))
		}
		if _, ok := sess.ephemerals[path]; !ok {
			return fmt.Errorf("ephemeral not indexed by its session")
		}
		if len(n.children) != 0 {
			return fmt.Errorf("ephemeral with children")
		}
	}
	return nil
}

func childPath(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

// dump prints the whole observable state deterministically, so that tests can
// compare a state before and after something that must not change it.
func dump(s *Server) string {
	var b strings.Builder
	fmt.Fprintf(&b, "zxid=%d\n", s.zxid)
	paths := make([]string, 0, len(s.nodes))
	for p := range s.nodes {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		n := s.nodes[p]
		fmt.Fprintf(&b, "%s %+v %q %v\n", p, n.stat, n.data, n.children)
	}
	ids := make([]core.SessionID, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		sess := s.sessions[id]
		eph := make([]string, 0, len(sess.ephemerals))
		for p := range sess.ephemerals {
			eph = append(eph, p)
		}
		slices.Sort(eph)
		// lastHeard is left out: every request moves it, failed or not.
		fmt.Fprintf(&b, "session %#x eph=%v watches=%d\n", int64(id), eph, len(sess.watches))
	}
	for _, kind := range []watchKind{watchData, watchChild} {
		table := s.table(kind)
		wp := make([]string, 0, len(table))
		for p := range table {
			wp = append(wp, p)
		}
		slices.Sort(wp)
		for _, p := range wp {
			fmt.Fprintf(&b, "watch %d %s %v\n", kind, p, table[p])
		}
	}
	return b.String()
}
