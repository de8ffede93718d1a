package conformance

import (
	"testing"

	"github.com/squall/squall/core"
)

// multiCases: all or nothing, later operations see earlier ones, one
// transaction, check operations as fences.
func multiCases() []Case {
	return []Case{
		{"multi/success-replies", multiSuccessReplies},
		{"multi/one-transaction", multiOneTransaction},
		{"multi/failure-is-atomic", multiFailureAtomic},
		{"multi/failure-codes", multiFailureCodes},
		{"multi/check-fences-writes", multiCheckFences},
		{"multi/create-then-set", multiCreateThenSet},
		{"multi/parent-then-child", multiParentThenChild},
		{"multi/create-then-delete", multiCreateThenDelete},
		{"multi/later-op-sees-earlier-delete", multiSeesEarlierDelete},
		{"multi/sequential", multiSequential},
		{"multi/ephemeral-owned-by-session", multiEphemeral},
		{"multi/watches-fire-in-op-order", multiWatches},
		{"multi/failure-fires-nothing", multiFailureFiresNothing},
	}
}

func multiSuccessReplies(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	old := create(t, s, p+"/old", "", core.Persistent)
	r := ok(t, s, core.Multi{Ops: []core.Request{
		core.Check{Path: p, Version: 0},
		core.Create{Path: p + "/a", Data: []byte("a")},
		core.SetData{Path: p, Data: []byte("pp"), Version: 0},
		core.Delete{Path: old, Version: 0},
	}})
	expectMultiCodes(t, r, core.CodeOK, core.CodeOK, core.CodeOK, core.CodeOK, core.CodeOK)
	if got := r.Multi[1].Path; got != p+"/a" {
		t.Fatalf("create reply path: got %q, want %q", got, p+"/a")
	}
	// The set's stat is the node's right after the set, before the delete
	// that follows it in the multi.
	after := statOf(t, s, p)
	if got := r.Multi[2].Stat; got.Version != 1 || got.DataLength != 2 || got.Mzxid != after.Mzxid ||
		got.Czxid != after.Czxid || got.NumChildren != 2 {
		t.Fatalf("set reply stat: got %+v, want version 1, length 2, 2 children, zxids of %+v", got, after)
	}
	if got := dataOf(t, s, p+"/a"); got != "a" {
		t.Fatalf("created data: got %q, want a", got)
	}
	absent(t, s, old)
}

func multiOneTransaction(t *testing.T, env Env) {
	// Every operation of a multi carries the same zxid.
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	before := statOf(t, s, p)
	ok(t, s, core.Multi{Ops: []core.Request{
		persistent(p + "/a"),
		persistent(p + "/b"),
		setAny(p, "x"),
	}})
	a, b, after := statOf(t, s, p+"/a"), statOf(t, s, p+"/b"), statOf(t, s, p)
	if a.Czxid != b.Czxid || after.Mzxid != a.Czxid || after.Pzxid != a.Czxid || a.Czxid <= before.Mzxid {
		t.Fatalf("zxids: got a %d, b %d, parent mzxid %d pzxid %d, want all equal and > %d",
			a.Czxid, b.Czxid, after.Mzxid, after.Pzxid, before.Mzxid)
	}
	if after.Cversion != 2 || after.Version != 1 {
		t.Fatalf("parent: got %+v, want cversion 2, version 1", after)
	}
}

func multiFailureAtomic(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := create(t, s, sub(env, "p"), "orig", core.Persistent)
	existing := mkdir(t, s, p+"/existing")
	before := statOf(t, s, p)
	r := s.Do(core.Multi{Ops: []core.Request{
		persistent(p + "/a"),
		setAny(p, "changed"),
		persistent(existing),
		persistent(p + "/c"),
	}})
	expectMultiCodes(t, r, core.CodeNodeExists, multiFailedAt(4, 2, core.CodeNodeExists)...)
	absent(t, s, p+"/a")
	absent(t, s, p+"/c")
	if got := dataOf(t, s, p); got != "orig" {
		t.Fatalf("data after a failed multi: got %q, want orig", got)
	}
	if got := statOf(t, s, p); got != before {
		t.Fatalf("stat after a failed multi: got %+v, want %+v", got, before)
	}
}

func multiFailureCodes(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	c := mkdir(t, s, p+"/c")
	missing := p + "/missing"
	tests := []struct {
		ops  []core.Request
		at   int
		code core.Code
	}{
		{[]core.Request{core.Check{Path: missing, Version: 0}, persistent(p + "/x")}, 0, core.CodeNoNode},
		{[]core.Request{persistent(p + "/x"), core.Check{Path: c, Version: 4}}, 1, core.CodeBadVersion},
		{[]core.Request{persistent(p + "/x"), setAny(missing, "y"), persistent(p + "/z")}, 1, core.CodeNoNode},
		{[]core.Request{core.SetData{Path: c, Version: 2}}, 0, core.CodeBadVersion},
		{[]core.Request{persistent(p + "/x"), deleteAny(p)}, 1, core.CodeNotEmpty},
		{[]core.Request{persistent(p + "/x"), core.Delete{Path: c, Version: 7}}, 1, core.CodeBadVersion},
		{[]core.Request{persistent(missing + "/x")}, 0, core.CodeNoNode},
		{[]core.Request{persistent(p + "/x"), persistent(p + "/x")}, 1, core.CodeNodeExists},
		{[]core.Request{core.Create{Path: p + "/e", Mode: core.Ephemeral}, persistent(p + "/e/x")}, 1, core.CodeNoChildrenForEphemerals},
	}
	for _, tt := range tests {
		r := s.Do(core.Multi{Ops: tt.ops})
		expectMultiCodes(t, r, tt.code, multiFailedAt(len(tt.ops), tt.at, tt.code)...)
	}
	if got := childrenOf(t, s, p); len(got) != 1 || got[0] != "c" {
		t.Fatalf("children after failed multis: got %v, want [c]", got)
	}
}

func multiCheckFences(t *testing.T, env Env) {
	// The leader's pattern: write only while its election node is unchanged.
	leader, other := env.NewSession(t), env.NewSession(t)
	fence := create(t, leader, sub(env, "leader"), "", core.Ephemeral)
	state := create(t, other, sub(env, "state"), "s0", core.Persistent)
	fenced := func(data string) core.Reply {
		return leader.Do(core.Multi{Ops: []core.Request{
			core.Check{Path: fence, Version: 0},
			setAny(state, data),
		}})
	}
	expectMultiCodes(t, fenced("s1"), core.CodeOK, core.CodeOK, core.CodeOK)
	ok(t, other, setAny(fence, "taken"))
	expectMultiCodes(t, fenced("s2"), core.CodeBadVersion, core.CodeBadVersion, core.CodeRuntimeInconsistency)
	ok(t, other, deleteAny(fence))
	expectMultiCodes(t, fenced("s3"), core.CodeNoNode, core.CodeNoNode, core.CodeRuntimeInconsistency)
	if got := dataOf(t, other, state); got != "s1" {
		t.Fatalf("state after fenced-off writes: got %q, want s1", got)
	}
}

func multiCreateThenSet(t *testing.T, env Env) {
	s := env.NewSession(t)
	n := sub(env, "n")
	r := ok(t, s, core.Multi{Ops: []core.Request{
		core.Create{Path: n, Data: []byte("v0")},
		core.SetData{Path: n, Data: []byte("v1"), Version: 0},
		core.SetData{Path: n, Data: []byte("v2"), Version: 1},
	}})
	if got := r.Multi[2].Stat.Version; got != 2 {
		t.Fatalf("last set reply version: got %d, want 2", got)
	}
	if got := dataOf(t, s, n); got != "v2" {
		t.Fatalf("data: got %q, want v2", got)
	}
}

func multiParentThenChild(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := sub(env, "p")
	ok(t, s, core.Multi{Ops: []core.Request{
		persistent(p),
		persistent(p + "/c"),
		persistent(p + "/c/d"),
	}})
	if got := childrenOf(t, s, p+"/c"); len(got) != 1 || got[0] != "d" {
		t.Fatalf("grandchildren: got %v, want [d]", got)
	}
}

func multiCreateThenDelete(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	before := statOf(t, s, p)
	ok(t, s, core.Multi{Ops: []core.Request{
		persistent(p + "/tmp"),
		deleteAny(p + "/tmp"),
	}})
	absent(t, s, p+"/tmp")
	after := statOf(t, s, p)
	// A creation and a deletion: two child changes.
	if after.NumChildren != 0 || after.Cversion != before.Cversion+2 || after.Pzxid <= before.Pzxid {
		t.Fatalf("parent: got %+v, want no children, cversion %d, pzxid > %d", after, before.Cversion+2, before.Pzxid)
	}
}

func multiSeesEarlierDelete(t *testing.T, env Env) {
	s := env.NewSession(t)
	n := create(t, s, sub(env, "n"), "keep", core.Persistent)
	r := s.Do(core.Multi{Ops: []core.Request{deleteAny(n), setAny(n, "x")}})
	expectMultiCodes(t, r, core.CodeNoNode, core.CodeOK, core.CodeNoNode)
	if got := dataOf(t, s, n); got != "keep" {
		t.Fatalf("data: got %q, want keep", got)
	}
}

func multiSequential(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	seq := core.Create{Path: p + "/n_", Mode: core.PersistentSequential}
	r := ok(t, s, core.Multi{Ops: []core.Request{seq, seq}})
	if r.Multi[0].Path != seqName(p+"/n_", 0) || r.Multi[1].Path != seqName(p+"/n_", 1) {
		t.Fatalf("names: got %s %s, want suffixes 0 and 1", r.Multi[0].Path, r.Multi[1].Path)
	}
	// A failed multi does not consume the counter.
	call(t, s, core.Multi{Ops: []core.Request{seq, persistent(p)}}, core.CodeNodeExists)
	if got, want := create(t, s, p+"/n_", "", core.PersistentSequential), seqName(p+"/n_", 2); got != want {
		t.Fatalf("sequential after a failed multi: got %s, want %s", got, want)
	}
}

func multiEphemeral(t *testing.T, env Env) {
	a, b := env.NewSession(t), env.NewSession(t)
	r := ok(t, a, core.Multi{Ops: []core.Request{
		core.Create{Path: sub(env, "e"), Mode: core.Ephemeral},
		core.Create{Path: sub(env, "s_"), Mode: core.EphemeralSequential},
	}})
	for _, op := range r.Multi {
		if got := statOf(t, b, op.Path).EphemeralOwner; got != a.ID() {
			t.Fatalf("%s owner: got %#x, want %#x", op.Path, int64(got), int64(a.ID()))
		}
	}
	env.Expire(t, a)
	for _, op := range r.Multi {
		absent(t, b, op.Path)
	}
}

func multiWatches(t *testing.T, env Env) {
	w, x, p, a := watchSetup(t, env)
	n := p + "/new"
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, w, core.Children{Path: p, Watch: true})
	call(t, w, core.Exists{Path: n, Watch: true}, core.CodeNoNode)
	ok(t, x, core.Multi{Ops: []core.Request{
		setAny(a, "b"),
		persistent(n),
		setAny(n, "x"),             // the exists watch fired at the create
		deleteAny(a),               // the data watch fired at the set
		persistent(p + "/another"), // the child watch fired at the first create
	}})
	expectWatches(t, w,
		fired(core.NodeDataChanged, a),
		fired(core.NodeCreated, n),
		fired(core.NodeChildrenChanged, p),
	)
}

func multiFailureFiresNothing(t *testing.T, env Env) {
	w, x, p, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, w, core.Children{Path: p, Watch: true})
	r := x.Do(core.Multi{Ops: []core.Request{
		setAny(a, "b"),
		persistent(p + "/new"),
		core.Check{Path: a, Version: 0}, // the set made it 1
	}})
	expectMultiCodes(t, r, core.CodeBadVersion, multiFailedAt(3, 2, core.CodeBadVersion)...)
	expectWatches(t, w)
	ok(t, x, setAny(a, "c"))
	expectWatches(t, w, fired(core.NodeDataChanged, a))
}
