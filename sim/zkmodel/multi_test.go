package zkmodel

import (
	"slices"
	"testing"

	"github.com/squall/squall/core"
)

func TestMultiSuccess(t *testing.T) {
	f := newFixture()
	a := f.open()
	f.ok(t, a, mkPersistent("/p"))
	f.ok(t, a, core.Create{Path: "/p/old", Data: []byte("x")})
	zxid := f.s.Zxid()
	r := f.ok(t, a, core.Multi{Ops: []core.Request{
		core.Check{Path: "/p", Version: 0},
		mkPersistent("/p/q"),
		core.Create{Path: "/p/q/r", Data: []byte("r0")},              // sees the create before it
		core.SetData{Path: "/p/q/r", Data: []byte("r1"), Version: 0}, // sees it too
		core.Create{Path: "/p/q/s-", Mode: core.PersistentSequential},
		core.Create{Path: "/p/q/s-", Mode: core.EphemeralSequential},
		core.Delete{Path: "/p/old", Version: 0},
	}})
	if got := f.s.Zxid(); got != zxid+1 {
		t.Fatalf("zxid: got %d, want %d (one transaction)", got, zxid+1)
	}
	tx := zxid + 1
	want := []core.Reply{
		{Code: core.CodeOK},
		{Code: core.CodeOK, Path: "/p/q"},
		{Code: core.CodeOK, Path: "/p/q/r"},
		{Code: core.CodeOK, Stat: core.Stat{Czxid: tx, Mzxid: tx, Pzxid: tx, Version: 1, DataLength: 2}},
		{Code: core.CodeOK, Path: "/p/q/s-0000000001"},
		{Code: core.CodeOK, Path: "/p/q/s-0000000002"},
		{Code: core.CodeOK},
	}
	if len(r.Multi) != len(want) {
		t.Fatalf("replies: got %d, want %d", len(r.Multi), len(want))
	}
	for i := range want {
		if got := r.Multi[i].String(); got != want[i].String() || r.Multi[i].Stat != want[i].Stat {
			t.Fatalf("op %d: got %s %+v, want %s %+v", i, got, r.Multi[i].Stat, want[i], want[i].Stat)
		}
	}
	if got := f.stat(t, "/p/q"); got.Czxid != tx || got.Pzxid != tx || got.Cversion != 3 {
		t.Fatalf("/p/q: got %+v, want czxid=pzxid=%d cversion 3", got, tx)
	}
	if got, want := f.s.ChildrenOf("/p"), []string{"q"}; !slices.Equal(got, want) {
		t.Fatalf("/p children: got %v, want %v", got, want)
	}
}

func TestMultiFailure(t *testing.T) {
	tests := []struct {
		name     string
		ops      []core.Request
		failedAt int
		want     core.Code
	}{
		{"first op", []core.Request{mkPersistent("/p"), mkPersistent("/z")}, 0, core.CodeNodeExists},
		{"middle op", []core.Request{
			mkPersistent("/z"),
			core.SetData{Path: "/p", Version: 9},
			mkPersistent("/y"),
		}, 1, core.CodeBadVersion},
		{"last op after many changes", []core.Request{
			core.Create{Path: "/p/s-", Mode: core.PersistentSequential},
			core.Create{Path: "/p/e", Mode: core.Ephemeral},
			core.SetData{Path: "/p", Data: []byte("new"), Version: 0},
			core.Delete{Path: "/p/c", Version: 0},
			core.Delete{Path: "/p/e", Version: 0},
			core.Create{Path: "/p/c", Mode: core.Ephemeral},
			core.Check{Path: "/p/c", Version: 1},
		}, 6, core.CodeBadVersion},
		{"check on a missing node", []core.Request{core.SetData{Path: "/p"}, core.Check{Path: "/gone", Version: 0}}, 1, core.CodeNoNode},
		{"delete non-empty", []core.Request{core.Delete{Path: "/p", Version: core.AnyVersion}}, 0, core.CodeNotEmpty},
		{"later op sees an earlier delete", []core.Request{
			core.Delete{Path: "/p/c", Version: core.AnyVersion},
			core.SetData{Path: "/p/c", Version: core.AnyVersion},
		}, 1, core.CodeNoNode},
		{"bad path in an op", []core.Request{mkPersistent("/z"), mkPersistent("/z/")}, 1, core.CodeBadArguments},
		{"child of an ephemeral created earlier", []core.Request{
			core.Create{Path: "/e", Mode: core.Ephemeral},
			mkPersistent("/e/c"),
		}, 1, core.CodeNoChildrenForEphemerals},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			a, w := f.open(), f.open()
			f.ok(t, a, mkPersistent("/p"))
			f.ok(t, a, mkPersistent("/p/c"))
			f.do(t, w, core.Exists{Path: "/z", Watch: true}, core.CodeNoNode)
			f.ok(t, w, core.Children{Path: "/p", Watch: true})
			f.ok(t, w, core.GetData{Path: "/p", Watch: true})
			before := dump(f.s)
			r := f.do(t, a, core.Multi{Ops: tt.ops}, tt.want)
			if after := dump(f.s); after != before {
				t.Fatalf("failed multi changed the state:\n got %s\nwant %s", after, before)
			}
			checkNotes(t, f.s)
			if len(r.Multi) != len(tt.ops) {
				t.Fatalf("replies: got %d, want %d", len(r.Multi), len(tt.ops))
			}
			for i, op := range r.Multi {
				want := core.Reply{Code: core.CodeOK}
				switch {
				case i == tt.failedAt:
					want.Code = tt.want
				case i > tt.failedAt:
					want.Code = core.CodeRuntimeInconsistency
				}
				if op.String() != want.String() || op.Stat != (core.Stat{}) {
					t.Fatalf("op %d: got %s %+v, want %s and no stat", i, op, op.Stat, want)
				}
			}
			// The sequence counter was not consumed and the session can end
			// cleanly (its rolled-back ephemerals are forgotten).
			if got := f.ok(t, a, core.Create{Path: "/p/s-", Mode: core.PersistentSequential}).Path; got != "/p/s-0000000001" {
				t.Fatalf("sequential after rollback: got %s, want /p/s-0000000001", got)
			}
			f.s.Expire(a)
			checkInvariants(t, f.s)
		})
	}
}

func TestMultiRejected(t *testing.T) {
	tooMany := make([]core.Request, core.MultiOpsMax+1)
	for i := range tooMany {
		tooMany[i] = core.Check{Path: "/", Version: core.AnyVersion}
	}
	tests := []struct {
		name string
		ops  []core.Request
	}{
		{"too many ops", tooMany},
		{"read op", []core.Request{mkPersistent("/z"), core.GetData{Path: "/"}}},
		{"exists op", []core.Request{core.Exists{Path: "/"}}},
		{"children op", []core.Request{core.Children{Path: "/"}}},
		{"nested multi", []core.Request{core.Multi{}}},
		{"nil op", []core.Request{mkPersistent("/z"), nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			a := f.open()
			before := dump(f.s)
			r := f.do(t, a, core.Multi{Ops: tt.ops}, core.CodeBadArguments)
			if r.Multi != nil {
				t.Fatalf("per-op replies of a rejected multi: got %v, want none", r.Multi)
			}
			if after := dump(f.s); after != before {
				t.Fatalf("rejected multi changed the state:\n got %s\nwant %s", after, before)
			}
		})
	}
}

func TestMultiLimits(t *testing.T) {
	f := newFixture()
	a := f.open()
	r := f.ok(t, a, core.Multi{})
	if r.Multi == nil || len(r.Multi) != 0 || f.s.Zxid() != 1 {
		t.Fatalf("empty multi: got %#v at zxid %d, want empty replies at zxid 1", r.Multi, f.s.Zxid())
	}
	full := make([]core.Request, core.MultiOpsMax)
	for i := range full {
		full[i] = core.Create{Path: "/n-", Mode: core.PersistentSequential}
	}
	r = f.ok(t, a, core.Multi{Ops: full})
	if got, want := r.Multi[core.MultiOpsMax-1].Path, "/n-0000000063"; got != want {
		t.Fatalf("last of %d creates: got %s, want %s", core.MultiOpsMax, got, want)
	}
}

func TestMultiWatches(t *testing.T) {
	f := newFixture()
	a, w := f.open(), f.open()
	f.ok(t, a, mkPersistent("/p"))
	f.ok(t, a, mkPersistent("/x"))
	f.ok(t, w, core.GetData{Path: "/x", Watch: true})
	f.ok(t, w, core.Children{Path: "/p", Watch: true})
	f.do(t, w, core.Exists{Path: "/p/n", Watch: true}, core.CodeNoNode)
	f.ok(t, a, core.Multi{Ops: []core.Request{
		core.SetData{Path: "/x", Version: core.AnyVersion},
		mkPersistent("/p/n"),
		core.SetData{Path: "/p/n", Version: 0},                     // the exists watch already fired
		core.Delete{Path: "/x", Version: core.AnyVersion},          // the data watch already fired
		core.Create{Path: "/p/m", Mode: core.PersistentSequential}, // the child watch already fired
	}})
	checkNotes(t, f.s,
		note(w, core.NodeDataChanged, "/x"),
		note(w, core.NodeCreated, "/p/n"),
		note(w, core.NodeChildrenChanged, "/p"),
	)
}

func TestMultiOnDeadSession(t *testing.T) {
	f := newFixture()
	a := f.open()
	f.s.Expire(a)
	r := f.s.Apply(a, f.tick(), core.Multi{Ops: []core.Request{mkPersistent("/z")}})
	if r.Code != core.CodeSessionExpired || r.Multi != nil {
		t.Fatalf("multi on dead session: got %s %v, want SessionExpired and no replies", r.Code, r.Multi)
	}
	if _, _, ok := f.s.Lookup("/z"); ok {
		t.Fatalf("Lookup(/z): got a node, want none")
	}
}
