package zkmodel

import (
	"testing"

	"github.com/squall/squall/core"
)

func TestNewHasOnlyRoot(t *testing.T) {
	s := New()
	data, st, ok := s.Lookup("/")
	if !ok || len(data) != 0 || st != (core.Stat{}) {
		t.Fatalf("Lookup(/): got %q %+v %t, want empty zero stat true", data, st, ok)
	}
	if got := s.ChildrenOf("/"); got == nil || len(got) != 0 {
		t.Fatalf("ChildrenOf(/): got %#v, want empty non-nil", got)
	}
	if got := s.Zxid(); got != 0 {
		t.Fatalf("Zxid: got %d, want 0", got)
	}
}

func TestTakeNotificationsOwnership(t *testing.T) {
	f := newFixture()
	a := f.open()
	f.ok(t, a, mkPersistent("/n"))
	f.ok(t, a, core.GetData{Path: "/n", Watch: true})
	f.ok(t, a, core.SetData{Path: "/n", Version: core.AnyVersion})
	first := f.s.TakeNotifications()
	if len(first) != 1 {
		t.Fatalf("first take: got %v, want one notification", first)
	}
	f.ok(t, a, core.Exists{Path: "/n", Watch: true})
	f.ok(t, a, core.Delete{Path: "/n", Version: core.AnyVersion})
	second := f.s.TakeNotifications()
	if want := note(a, core.NodeDataChanged, "/n"); first[0] != want {
		t.Fatalf("first take after a second fire: got %v, want %v", first[0], want)
	}
	if want := []Notification{note(a, core.NodeDeleted, "/n")}; len(second) != 1 || second[0] != want[0] {
		t.Fatalf("second take: got %v, want %v", second, want)
	}
	if got := f.s.TakeNotifications(); got != nil {
		t.Fatalf("third take: got %v, want nil", got)
	}
}

func TestNotificationString(t *testing.T) {
	got := note(0x1000_0000_0000_0001, core.NodeCreated, "/a").String()
	if want := "notify session=0x1000000000000001 watch NodeCreated /a"; got != want {
		t.Fatalf("String: got %q, want %q", got, want)
	}
}
