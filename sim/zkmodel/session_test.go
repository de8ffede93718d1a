package zkmodel

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

func TestSessionIDs(t *testing.T) {
	s := New()
	var got []core.SessionID
	for range 3 {
		got = append(got, s.OpenSession(0, time.Second))
	}
	want := []core.SessionID{sessionFirst, sessionFirst + 1, sessionFirst + 2}
	if !slices.Equal(got, want) {
		t.Fatalf("ids: got %#x, want %#x", got, want)
	}
	for _, id := range got {
		if !s.Alive(id) {
			t.Fatalf("Alive(%#x): got false, want true", int64(id))
		}
	}
	if s.Alive(0) || s.Alive(sessionFirst+3) {
		t.Fatalf("Alive of unknown ids: got true, want false")
	}
}

func TestExpireDue(t *testing.T) {
	s := New()
	const timeout = 10 * time.Second
	a := s.OpenSession(0, timeout)
	b := s.OpenSession(0, timeout)
	c := s.OpenSession(0, 2*timeout)
	steps := []struct {
		name  string
		at    core.Time
		touch []core.SessionID
		want  []core.SessionID
	}{
		{"at the timeout nothing expires", core.Time(timeout), []core.SessionID{b}, nil},
		{"past the timeout a expires", core.Time(timeout + 1), nil, []core.SessionID{a}},
		{"b was heard at the timeout", core.Time(2*timeout + 1), nil, []core.SessionID{b, c}},
		{"nothing left", core.Time(5 * timeout), nil, nil},
	}
	for _, st := range steps {
		for _, id := range st.touch {
			if !s.Touch(id, st.at) {
				t.Fatalf("%s: Touch(%#x): got false, want true", st.name, int64(id))
			}
		}
		if got := s.ExpireDue(st.at); !slices.Equal(got, st.want) {
			t.Fatalf("%s: ExpireDue: got %#x, want %#x", st.name, got, st.want)
		}
	}
	for _, id := range []core.SessionID{a, b, c} {
		if s.Alive(id) || s.Touch(id, core.Time(5*timeout)) {
			t.Fatalf("session %#x after expiry: got alive or touchable, want neither", int64(id))
		}
		if got := s.Apply(id, core.Time(5*timeout), core.GetData{Path: "/"}).Code; got != core.CodeSessionExpired {
			t.Fatalf("Apply on expired %#x: got %s, want SessionExpired", int64(id), got)
		}
	}
}

func TestApplyTouches(t *testing.T) {
	s := New()
	a := s.OpenSession(0, time.Second)
	// Even a failed request is heard.
	s.Apply(a, core.Time(time.Second), core.GetData{Path: "/missing"})
	if got := s.ExpireDue(core.Time(2 * time.Second)); got != nil {
		t.Fatalf("ExpireDue a second after a request: got %#x, want none", got)
	}
	if got := s.ExpireDue(core.Time(2*time.Second + 1)); !slices.Equal(got, []core.SessionID{a}) {
		t.Fatalf("ExpireDue past it: got %#x, want [%#x]", got, int64(a))
	}
}

func TestExpireDeletesEphemerals(t *testing.T) {
	f := newFixture()
	a, b := f.open(), f.open()
	f.ok(t, b, mkPersistent("/p"))
	f.ok(t, a, core.Create{Path: "/p/y", Mode: core.Ephemeral})
	f.ok(t, a, core.Create{Path: "/p/x", Mode: core.EphemeralSequential})
	f.ok(t, a, mkPersistent("/p/keep"))
	// a's own watches are dropped, b's fire.
	f.ok(t, a, core.GetData{Path: "/p/y", Watch: true})
	f.ok(t, a, core.Children{Path: "/p", Watch: true})
	f.ok(t, b, core.GetData{Path: "/p/y", Watch: true})
	f.ok(t, b, core.Exists{Path: "/p/x0000000001", Watch: true})
	f.ok(t, b, core.Children{Path: "/p", Watch: true})
	zxid := f.s.Zxid()

	f.s.Expire(a)
	checkInvariants(t, f.s)
	if got := f.s.Zxid(); got != zxid+1 {
		t.Fatalf("zxid after expiry: got %d, want %d (one transaction)", got, zxid+1)
	}
	if got, want := f.s.ChildrenOf("/p"), []string{"keep"}; !slices.Equal(got, want) {
		t.Fatalf("children after expiry: got %v, want %v", got, want)
	}
	// Three creations, two deletions: clients see every child change.
	if got := f.stat(t, "/p"); got.Pzxid != zxid+1 || got.Cversion != 5 {
		t.Fatalf("parent after expiry: got %+v, want pzxid %d, cversion 5", got, zxid+1)
	}
	// Path order: x0000000001 before y; each delete fires the node's watch,
	// then the parent's child watch (once: it is one-shot).
	checkNotes(t, f.s,
		note(b, core.NodeDeleted, "/p/x0000000001"),
		note(b, core.NodeChildrenChanged, "/p"),
		note(b, core.NodeDeleted, "/p/y"),
	)
	if f.s.Alive(a) {
		t.Fatalf("Alive after Expire: got true, want false")
	}
	f.s.Expire(a) // no-op
	if got := f.s.Zxid(); got != zxid+1 {
		t.Fatalf("zxid after expiring a dead session: got %d, want %d", got, zxid+1)
	}
}

func TestExpireWithoutEphemeralsIsNoTransaction(t *testing.T) {
	f := newFixture()
	a := f.open()
	f.ok(t, a, mkPersistent("/p"))
	f.ok(t, a, core.GetData{Path: "/p", Watch: true})
	f.s.Expire(a)
	checkInvariants(t, f.s)
	if got := f.s.Zxid(); got != 1 {
		t.Fatalf("zxid: got %d, want 1", got)
	}
	if n := len(f.s.dataWatches); n != 0 {
		t.Fatalf("data watches after expiry: got %d, want 0", n)
	}
}

func TestRenewAll(t *testing.T) {
	s := New()
	a := s.OpenSession(0, time.Second)
	b := s.OpenSession(0, 3*time.Second)
	// A ten-second outage: nothing heard, then a new leader renews everyone.
	s.RenewAll(core.Time(10 * time.Second))
	if got := s.ExpireDue(core.Time(10*time.Second + time.Second)); got != nil {
		t.Fatalf("ExpireDue right after RenewAll: got %#x, want none", got)
	}
	got := s.ExpireDue(core.Time(10*time.Second + 2*time.Second))
	if want := []core.SessionID{a}; !slices.Equal(got, want) {
		t.Fatalf("ExpireDue later: got %#x, want %#x", got, want)
	}
	if !s.Alive(b) {
		t.Fatalf("Alive(b): got false, want true")
	}
}

func TestTimeMustNotGoBack(t *testing.T) {
	s := New()
	s.OpenSession(core.Time(time.Second), time.Second)
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "time went back") {
			t.Fatalf("ExpireDue with an earlier now: got panic %v, want a time assertion", r)
		}
	}()
	s.ExpireDue(0)
}
