package zkmodel

import (
	"testing"

	"github.com/squall/squall/core"
)

// Each case starts from /p with children /p/a (data "a") and /p/b, a watcher
// session w and a writer session x (w < x). w registers the reads, x applies
// the writes, and the notifications fired by the writes must be want (w's
// session id is filled in).
func TestWatchTriggers(t *testing.T) {
	type fired struct {
		typ  core.WatchType
		path string
	}
	tests := []struct {
		name   string
		reads  []core.Request
		writes []core.Request
		want   []fired
	}{
		{
			name:   "data watch fires on set",
			reads:  []core.Request{core.GetData{Path: "/p/a", Watch: true}},
			writes: []core.Request{core.SetData{Path: "/p/a", Version: core.AnyVersion}},
			want:   []fired{{core.NodeDataChanged, "/p/a"}},
		},
		{
			name:   "data watch fires on delete",
			reads:  []core.Request{core.GetData{Path: "/p/a", Watch: true}},
			writes: []core.Request{core.Delete{Path: "/p/a", Version: core.AnyVersion}},
			want:   []fired{{core.NodeDeleted, "/p/a"}},
		},
		{
			name:   "exists watch on missing node fires on create",
			reads:  []core.Request{core.Exists{Path: "/p/c", Watch: true}},
			writes: []core.Request{mkPersistent("/p/c")},
			want:   []fired{{core.NodeCreated, "/p/c"}},
		},
		{
			name:   "exists watch on existing node fires on set",
			reads:  []core.Request{core.Exists{Path: "/p/a", Watch: true}},
			writes: []core.Request{core.SetData{Path: "/p/a", Version: core.AnyVersion}},
			want:   []fired{{core.NodeDataChanged, "/p/a"}},
		},
		{
			name:   "exists watch on existing node fires on delete",
			reads:  []core.Request{core.Exists{Path: "/p/a", Watch: true}},
			writes: []core.Request{core.Delete{Path: "/p/a", Version: core.AnyVersion}},
			want:   []fired{{core.NodeDeleted, "/p/a"}},
		},
		{
			name:   "child watch fires on child create",
			reads:  []core.Request{core.Children{Path: "/p", Watch: true}},
			writes: []core.Request{mkPersistent("/p/c")},
			want:   []fired{{core.NodeChildrenChanged, "/p"}},
		},
		{
			name:   "child watch fires on child delete",
			reads:  []core.Request{core.Children{Path: "/p", Watch: true}},
			writes: []core.Request{core.Delete{Path: "/p/b", Version: core.AnyVersion}},
			want:   []fired{{core.NodeChildrenChanged, "/p"}},
		},
		{
			name:   "child watch fires NodeDeleted on the node's delete",
			reads:  []core.Request{core.Children{Path: "/p/a", Watch: true}},
			writes: []core.Request{core.Delete{Path: "/p/a", Version: core.AnyVersion}},
			want:   []fired{{core.NodeDeleted, "/p/a"}},
		},
		{
			name:   "child watch ignores data changes",
			reads:  []core.Request{core.Children{Path: "/p/a", Watch: true}},
			writes: []core.Request{core.SetData{Path: "/p/a", Version: core.AnyVersion}},
		},
		{
			name:   "data watch ignores child changes",
			reads:  []core.Request{core.GetData{Path: "/p", Watch: true}},
			writes: []core.Request{mkPersistent("/p/c")},
		},
		{
			name: "data and child watch on a deleted node fire once",
			reads: []core.Request{
				core.GetData{Path: "/p/a", Watch: true},
				core.Children{Path: "/p/a", Watch: true},
			},
			writes: []core.Request{core.Delete{Path: "/p/a", Version: core.AnyVersion}},
			want:   []fired{{core.NodeDeleted, "/p/a"}},
		},
		{
			name: "duplicate registration fires once",
			reads: []core.Request{
				core.GetData{Path: "/p/a", Watch: true},
				core.GetData{Path: "/p/a", Watch: true},
				core.Exists{Path: "/p/a", Watch: true},
			},
			writes: []core.Request{core.SetData{Path: "/p/a", Version: core.AnyVersion}},
			want:   []fired{{core.NodeDataChanged, "/p/a"}},
		},
		{
			name:  "one-shot",
			reads: []core.Request{core.GetData{Path: "/p/a", Watch: true}},
			writes: []core.Request{
				core.SetData{Path: "/p/a", Version: core.AnyVersion},
				core.SetData{Path: "/p/a", Version: core.AnyVersion},
				core.Delete{Path: "/p/a", Version: core.AnyVersion},
			},
			want: []fired{{core.NodeDataChanged, "/p/a"}},
		},
		{
			name:   "get on missing node leaves no watch",
			reads:  []core.Request{core.GetData{Path: "/p/c", Watch: true}},
			writes: []core.Request{mkPersistent("/p/c"), core.SetData{Path: "/p/c", Version: core.AnyVersion}},
		},
		{
			name:   "children on missing node leaves no watch",
			reads:  []core.Request{core.Children{Path: "/p/c", Watch: true}},
			writes: []core.Request{mkPersistent("/p/c"), mkPersistent("/p/c/d")},
		},
		{
			name:   "read without watch leaves none",
			reads:  []core.Request{core.GetData{Path: "/p/a"}, core.Exists{Path: "/p/c"}, core.Children{Path: "/p"}},
			writes: []core.Request{core.SetData{Path: "/p/a", Version: core.AnyVersion}, mkPersistent("/p/c")},
		},
		{
			name:   "failed write fires nothing",
			reads:  []core.Request{core.GetData{Path: "/p/a", Watch: true}, core.Children{Path: "/p", Watch: true}},
			writes: []core.Request{core.SetData{Path: "/p/a", Version: 7}, mkPersistent("/p/a")},
		},
		{
			name: "create fires the node's watch, then the parent's",
			reads: []core.Request{
				core.Children{Path: "/p", Watch: true},
				core.Exists{Path: "/p/c", Watch: true},
			},
			writes: []core.Request{mkPersistent("/p/c")},
			want:   []fired{{core.NodeCreated, "/p/c"}, {core.NodeChildrenChanged, "/p"}},
		},
		{
			name: "delete fires the node's watch, then the parent's",
			reads: []core.Request{
				core.Children{Path: "/p", Watch: true},
				core.Children{Path: "/p/b", Watch: true},
			},
			writes: []core.Request{core.Delete{Path: "/p/b", Version: core.AnyVersion}},
			want:   []fired{{core.NodeDeleted, "/p/b"}, {core.NodeChildrenChanged, "/p"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			w, x := f.open(), f.open()
			f.ok(t, x, mkPersistent("/p"))
			f.ok(t, x, core.Create{Path: "/p/a", Data: []byte("a")})
			f.ok(t, x, mkPersistent("/p/b"))
			for _, r := range tt.reads {
				f.s.Apply(w, f.tick(), r)
			}
			for _, r := range tt.writes {
				f.s.Apply(x, f.tick(), r)
				checkInvariants(t, f.s)
			}
			var want []Notification
			for _, fd := range tt.want {
				want = append(want, note(w, fd.typ, fd.path))
			}
			checkNotes(t, f.s, want...)
			if n := len(f.s.dataWatches) + len(f.s.childWatches); len(tt.want) > 0 && n != 0 {
				t.Fatalf("watch tables after firing: got %d entries, want 0", n)
			}
		})
	}
}

func TestWatchOrderAcrossSessions(t *testing.T) {
	// Within one table entry, sessions are notified in ascending id order
	// whatever the order they registered in; the writer's own watch fires too.
	f := newFixture()
	a, b, c := f.open(), f.open(), f.open()
	f.ok(t, a, mkPersistent("/n"))
	for _, id := range []core.SessionID{c, a, b} {
		f.ok(t, id, core.GetData{Path: "/n", Watch: true})
	}
	f.ok(t, b, core.SetData{Path: "/n", Version: core.AnyVersion})
	checkNotes(t, f.s,
		note(a, core.NodeDataChanged, "/n"),
		note(b, core.NodeDataChanged, "/n"),
		note(c, core.NodeDataChanged, "/n"),
	)
}

func TestWatchDeleteSuppressionIsPerSession(t *testing.T) {
	// Only a session that heard NodeDeleted through its data watch is spared
	// the child watch's copy; others with a child watch still hear it.
	f := newFixture()
	a, b := f.open(), f.open()
	f.ok(t, a, mkPersistent("/n"))
	f.ok(t, a, core.GetData{Path: "/n", Watch: true})
	f.ok(t, a, core.Children{Path: "/n", Watch: true})
	f.ok(t, b, core.Children{Path: "/n", Watch: true})
	f.ok(t, a, core.Delete{Path: "/n", Version: core.AnyVersion})
	checkNotes(t, f.s,
		note(a, core.NodeDeleted, "/n"),
		note(b, core.NodeDeleted, "/n"),
	)
}
