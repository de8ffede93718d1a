package zkadapter

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/squall/squall/core"
	"github.com/squall/squall/sim/zkmodel"
)

// clientSessionTimeout is short enough for tests, long enough that no
// session times out by accident on a busy machine.
const clientSessionTimeout = 4 * time.Second

// openReal starts a Client on the real server and waits for its session.
func openReal(t *testing.T, addr string) (*Client, *recorder, *session) {
	t.Helper()
	rec := newRecorder()
	c, err := New(Config{Servers: []string{addr}, SessionTimeout: clientSessionTimeout}, rec.sink)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, rec, openSession(t, c, rec)
}

func mustOK(t *testing.T, s *session, req core.Request) core.Reply {
	t.Helper()
	r := s.Do(req)
	if r.Code != core.CodeOK {
		t.Fatalf("%s: got %s, want OK", req, r)
	}
	return r
}

// sessionEvents returns the SessionChanged events from index from on.
func sessionEvents(rec *recorder, from int) []core.SessionChanged {
	var out []core.SessionChanged
	for _, ev := range rec.snapshot()[from:] {
		if s, ok := ev.(core.SessionChanged); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestClientSessionExpiry(t *testing.T) {
	addr := zkAddr(t)
	c, rec, s := openReal(t, addr)
	_, _, watcher := openReal(t, addr)
	root := nextRoot()
	mustOK(t, s, core.Create{Path: root})
	t.Cleanup(func() { removeTree(t, watcher, root) })
	e := mustOK(t, s, core.Create{Path: root + "/e", Mode: core.Ephemeral}).Path
	mustOK(t, watcher, core.GetData{Path: e, Watch: true})

	old, passwd := c.sessionCredentials()
	from := rec.len()
	expireSession(t, addr, old, passwd)

	// A real server closes the expired session's connection: the client sees
	// it lost, learns the session expired when it reconnects, and opens a
	// new one.
	last := rec.waitFor(t, from, "Connected after the expiry", isSession(core.Connected))
	got := sessionEvents(rec, from)
	if len(got) != 3 || got[0] != (core.SessionChanged{State: core.Disconnected, Session: old}) ||
		got[1] != (core.SessionChanged{State: core.Expired, Session: old}) ||
		got[2].State != core.Connected || got[2].Session == old || got[2].Session == 0 {
		t.Fatalf("session events: got %v, want Disconnected and Expired of %#x, then Connected to a new session", got, int64(old))
	}
	s.seen = last + 1
	if w := watcher.Watches(); !slices.Equal(w, []core.WatchFired{{Type: core.NodeDeleted, Path: e}}) {
		t.Fatalf("watcher: got %v, want the ephemeral's deletion", w)
	}
	// The new session works and owns what it creates.
	mustOK(t, s, core.Create{Path: e, Mode: core.Ephemeral})
	if owner := mustOK(t, watcher, core.Exists{Path: e}).Stat.EphemeralOwner; owner != got[2].Session {
		t.Fatalf("owner of the new ephemeral: got %#x, want the new session %#x", int64(owner), int64(got[2].Session))
	}
}

func TestClientResumesSessionAfterDisconnect(t *testing.T) {
	addr := zkAddr(t)
	c, rec, s := openReal(t, addr)
	_, _, writer := openReal(t, addr)
	root := nextRoot()
	mustOK(t, writer, core.Create{Path: root})
	t.Cleanup(func() { removeTree(t, writer, root) })
	e := mustOK(t, s, core.Create{Path: root + "/e", Mode: core.Ephemeral}).Path
	mustOK(t, s, core.GetData{Path: root, Watch: true})

	id, passwd := c.sessionCredentials()
	from := rec.len()
	stealConnection(t, addr, id, passwd)
	rec.waitFor(t, from, "Disconnected", isSession(core.Disconnected))
	// Submitted while disconnected: waits, then runs on the resumed session.
	s.seen = rec.len()
	r := s.Do(core.Exists{Path: e})
	if r.Code != core.CodeOK || r.Stat.EphemeralOwner != id {
		t.Fatalf("exists after resuming: got %s owner %#x, want OK owned by %#x", r, int64(r.Stat.EphemeralOwner), int64(id))
	}
	got := sessionEvents(rec, from)
	want := []core.SessionChanged{{State: core.Disconnected, Session: id}, {State: core.Connected, Session: id}}
	if !slices.Equal(got, want) {
		t.Fatalf("session events: got %v, want %v", got, want)
	}
	// The watch left before the disconnection still holds: go-zookeeper sets
	// it again on the resumed connection.
	mustOK(t, writer, core.SetData{Path: root, Data: []byte("x"), Version: core.AnyVersion})
	if w := s.Watches(); !slices.Equal(w, []core.WatchFired{{Type: core.NodeDataChanged, Path: root}}) {
		t.Fatalf("watch after resuming: got %v, want the data change of %s", w, root)
	}
}

func TestClientWatchBeforeLaterResult(t *testing.T) {
	// ZooKeeper sends the notification of a watch fired by the session's own
	// write before the write's reply; the sink must see that order.
	addr := zkAddr(t)
	c, rec, s := openReal(t, addr)
	root := nextRoot()
	mustOK(t, s, core.Create{Path: root})
	t.Cleanup(func() { removeTree(t, s, root) })
	for i := range 20 {
		mustOK(t, s, core.GetData{Path: root, Watch: true})
		mustOK(t, s, core.Children{Path: root, Watch: true})
		from := rec.len()
		set, create := core.OpID(1000+2*i), core.OpID(1001+2*i)
		c.Submit(core.Coord{Op: set, Req: core.SetData{Path: root, Data: []byte("x"), Version: core.AnyVersion}})
		c.Submit(core.Coord{Op: create, Req: core.Create{Path: fmt.Sprintf("%s/c%d", root, i)}})
		end := rec.waitFor(t, from, "the create's result", isResult(create))
		var got []string
		for _, ev := range rec.snapshot()[from : end+1] {
			got = append(got, ev.String())
		}
		want := []string{
			"watch NodeDataChanged " + root,
			"coord-result op=" + fmt.Sprint(set),
			"watch NodeChildrenChanged " + root,
			"coord-result op=" + fmt.Sprint(create),
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: got %q, want events starting %q", i, got, want)
		}
		for j := range want {
			if !strings.HasPrefix(got[j], want[j]) {
				t.Fatalf("round %d: got %q, want events starting %q", i, got, want)
			}
		}
		s.seen = end + 1
	}
}

func TestClientQueueFullFailsFast(t *testing.T) {
	// Nothing listens on port 1: the client never connects, so requests wait
	// until the queue is full; the next one fails at once.
	rec := newRecorder()
	c, err := New(Config{Servers: []string{"127.0.0.1:1"}, SessionTimeout: clientSessionTimeout}, rec.sink)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for op := range core.OpID(requestsQueuedMax + 1) {
		c.Submit(core.Coord{Op: op + 1, Req: core.Exists{Path: "/"}})
	}
	rec.waitFor(t, 0, "the rejected request's result", isResult(requestsQueuedMax+1))
	if got := rec.snapshot(); len(got) != 1 || got[0].(core.CoordResult).Reply.Code != core.CodeConnectionLoss {
		t.Fatalf("events: got %v, want only ConnectionLoss for op %d", got, requestsQueuedMax+1)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	c.Submit(core.Coord{Op: 9999, Req: core.Exists{Path: "/"}}) // ignored after Close
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: got %v, want nil", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{}, func(core.Event) {}); err == nil {
		t.Fatalf("New without servers: got no error, want one")
	}
	if _, err := New(Config{Servers: []string{"127.0.0.1:1"}}, nil); err == nil {
		t.Fatalf("New without a sink: got no error, want one")
	}
}

func TestLocalRejectionsMatchModel(t *testing.T) {
	// Requests the adapter rejects without a round trip get the reply the
	// model gives them.
	big := make([]byte, core.DataBytesMax+1)
	tooMany := make([]core.Request, core.MultiOpsMax+1)
	for i := range tooMany {
		tooMany[i] = core.Check{Path: "/", Version: core.AnyVersion}
	}
	tests := []core.Request{
		core.Check{Path: "/", Version: 0},
		core.Create{Path: "/a", Mode: core.CreateMode(9)},
		core.Create{Path: "/a", Data: big},
		core.SetData{Path: "/", Data: big, Version: core.AnyVersion},
		core.Multi{Ops: []core.Request{core.GetData{Path: "/"}}},
		core.Multi{Ops: []core.Request{core.Multi{}}},
		core.Multi{Ops: tooMany},
		core.Multi{Ops: []core.Request{core.SetData{Path: "/a", Data: big}, core.Create{Path: "/b"}}},
		core.Multi{Ops: []core.Request{core.Create{Path: "/a", Mode: core.CreateMode(9)}}},
		&core.GetData{Path: "/"},
	}
	for _, req := range tests {
		model := zkmodel.New()
		id := model.OpenSession(0, time.Second)
		want := model.Apply(id, 1, req).String()
		if got := execute(nil, nil, req).String(); got != want {
			t.Errorf("%v: got %s, want %s (the model's)", req, got, want)
		}
	}
}

func TestMalformedMultiMatchesModel(t *testing.T) {
	// A malformed operation after others: the adapter asks the server how
	// far the prefix gets, without applying it, and answers as the model.
	addr := zkAddr(t)
	_, _, s := openReal(t, addr)
	root := nextRoot()
	mustOK(t, s, core.Create{Path: root})
	t.Cleanup(func() { removeTree(t, s, root) })
	model := zkmodel.New()
	id := model.OpenSession(0, time.Second)
	if r := model.Apply(id, 1, core.Create{Path: root}); r.Code != core.CodeOK {
		t.Fatalf("model: creating %s: got %s, want OK", root, r)
	}
	big := make([]byte, core.DataBytesMax+1)
	tests := []core.Multi{
		{Ops: []core.Request{core.Create{Path: root + "/a"}, core.SetData{Path: root + "/a", Data: big}, core.Create{Path: root + "/b"}}},
		{Ops: []core.Request{core.Create{Path: root + "/a"}, core.Create{Path: root + "/b", Mode: core.CreateMode(9)}}},
		{Ops: []core.Request{core.Create{Path: root + "/a"}, core.Create{Path: root + "/missing/x"}, core.Create{Path: root + "/c", Data: big}}},
		{Ops: []core.Request{core.Check{Path: root, Version: 3}, core.Create{Path: root + "/c", Data: big}}},
	}
	for _, m := range tests {
		want := model.Apply(id, 2, m).String()
		if got := s.Do(m).String(); got != want {
			t.Errorf("%s: got %s, want %s (the model's)", m, got, want)
		}
	}
	if got := mustOK(t, s, core.Children{Path: root}).Children; len(got) != 0 {
		t.Fatalf("children after failed multis: got %v, want none", got)
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		err  error
		want core.Code
	}{
		{nil, core.CodeOK},
		{zk.ErrNoNode, core.CodeNoNode},
		{zk.ErrNodeExists, core.CodeNodeExists},
		{zk.ErrBadVersion, core.CodeBadVersion},
		{zk.ErrNotEmpty, core.CodeNotEmpty},
		{zk.ErrNoChildrenForEphemerals, core.CodeNoChildrenForEphemerals},
		{zk.ErrBadArguments, core.CodeBadArguments},
		{zk.ErrInvalidPath, core.CodeBadArguments},
		{fmt.Errorf("create: %w", zk.ErrInvalidFlags), core.CodeBadArguments},
		{zk.ErrSessionExpired, core.CodeSessionExpired},
		{errors.New(errRuntimeInconsistency), core.CodeRuntimeInconsistency},
		{zk.ErrConnectionClosed, core.CodeConnectionLoss},
		{zk.ErrClosing, core.CodeConnectionLoss},
		{zk.ErrNoServer, core.CodeConnectionLoss},
		{zk.ErrSessionMoved, core.CodeConnectionLoss},
		{errors.New("read tcp: i/o timeout"), core.CodeConnectionLoss},
	}
	for _, tt := range tests {
		if got := codeOf(tt.err); got != tt.want {
			t.Errorf("codeOf(%v): got %s, want %s", tt.err, got, tt.want)
		}
	}
}
