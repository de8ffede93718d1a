package conformance

import (
	"bytes"
	"slices"
	"testing"

	"github.com/squall/squall/core"
)

// treeCases: create, get, set, delete, paths, stats and data.
func treeCases() []Case {
	return []Case{
		{"create/persistent", createPersistent},
		{"create/ephemeral-owner", createEphemeralOwner},
		{"create/missing-parent", createMissingParent},
		{"create/existing", createExisting},
		{"create/child-of-ephemeral", createChildOfEphemeral},
		{"path/invalid", pathInvalid},
		{"path/delete-root", pathDeleteRoot},
		{"read/missing", readMissing},
		{"set/version", setVersion},
		{"set/any-version", setAnyVersion},
		{"delete/version", deleteVersion},
		{"delete/not-empty", deleteNotEmpty},
		{"delete/version-checked-before-children", deleteVersionBeforeChildren},
		{"stat/child-counters", statChildCounters},
		{"stat/same-from-every-read", statSameFromEveryRead},
		{"children/sorted-names", childrenSortedNames},
		{"data/isolation", dataIsolation},
		{"data/empty-and-binary", dataEmptyAndBinary},
	}
}

func createPersistent(t *testing.T, env Env) {
	s := env.NewSession(t)
	root := statOf(t, s, env.Root())
	path := sub(env, "a")
	r := ok(t, s, core.Create{Path: path, Data: []byte("hello"), Mode: core.Persistent})
	if r.Path != path {
		t.Fatalf("created path: got %q, want %q", r.Path, path)
	}
	g := ok(t, s, core.GetData{Path: path})
	st := g.Stat
	if string(g.Data) != "hello" || st.DataLength != 5 || st.Version != 0 || st.Cversion != 0 ||
		st.NumChildren != 0 || st.EphemeralOwner != 0 {
		t.Fatalf("new node: got %q %+v, want hello, length 5, versions 0, no children, no owner", g.Data, st)
	}
	if st.Mzxid != st.Czxid || st.Pzxid != st.Czxid || st.Czxid <= root.Czxid {
		t.Fatalf("new node zxids: got %+v, want czxid=mzxid=pzxid > the root's czxid %d", st, root.Czxid)
	}
}

func createEphemeralOwner(t *testing.T, env Env) {
	a, b := env.NewSession(t), env.NewSession(t)
	if a.ID() == 0 || a.ID() == b.ID() {
		t.Fatalf("session ids: got %#x and %#x, want two distinct non-zero ids", int64(a.ID()), int64(b.ID()))
	}
	path := create(t, a, sub(env, "e"), "", core.Ephemeral)
	if got := statOf(t, b, path).EphemeralOwner; got != a.ID() {
		t.Fatalf("EphemeralOwner seen by another session: got %#x, want %#x", int64(got), int64(a.ID()))
	}
}

func createMissingParent(t *testing.T, env Env) {
	s := env.NewSession(t)
	for _, mode := range []core.CreateMode{core.Persistent, core.Ephemeral, core.PersistentSequential} {
		call(t, s, core.Create{Path: sub(env, "missing", "x"), Mode: mode}, core.CodeNoNode)
	}
	absent(t, s, sub(env, "missing"))
}

func createExisting(t *testing.T, env Env) {
	s := env.NewSession(t)
	path := create(t, s, sub(env, "a"), "first", core.Persistent)
	before := statOf(t, s, path)
	call(t, s, core.Create{Path: path, Data: []byte("second"), Mode: core.Persistent}, core.CodeNodeExists)
	call(t, s, core.Create{Path: path, Mode: core.Ephemeral}, core.CodeNodeExists)
	if got := dataOf(t, s, path); got != "first" {
		t.Fatalf("data after a failed create: got %q, want first", got)
	}
	if got := statOf(t, s, path); got != before {
		t.Fatalf("stat after a failed create: got %+v, want %+v", got, before)
	}
}

func createChildOfEphemeral(t *testing.T, env Env) {
	s := env.NewSession(t)
	eph := create(t, s, sub(env, "e"), "", core.Ephemeral)
	for _, mode := range []core.CreateMode{core.Persistent, core.Ephemeral, core.PersistentSequential, core.EphemeralSequential} {
		call(t, s, core.Create{Path: eph + "/c", Mode: mode}, core.CodeNoChildrenForEphemerals)
	}
	if got := statOf(t, s, eph).NumChildren; got != 0 {
		t.Fatalf("ephemeral's NumChildren: got %d, want 0", got)
	}
}

// pathInvalid: every operation rejects a malformed path, whether the client
// library or the server notices.
func pathInvalid(t *testing.T, env Env) {
	s := env.NewSession(t)
	r := env.Root()
	paths := []string{
		"", "relative", r + "/", r + "//x", r + "/x//y", r + "/.", r + "/..",
		r + "/x/./y", r + "/x/../y", r + "/x\x00y", r + "/x\x01y", r + "/x\x7fy",
	}
	for _, p := range paths {
		for _, req := range []core.Request{
			persistent(p),
			core.GetData{Path: p},
			core.Exists{Path: p},
			core.Children{Path: p},
			setAny(p, "x"),
			deleteAny(p),
		} {
			call(t, s, req, core.CodeBadArguments)
		}
	}
	if got := childrenOf(t, s, r); len(got) != 0 {
		t.Fatalf("root's children after invalid requests: got %v, want none", got)
	}
}

func pathDeleteRoot(t *testing.T, env Env) {
	s := env.NewSession(t)
	call(t, s, deleteAny("/"), core.CodeBadArguments)
	statOf(t, s, env.Root())
}

func readMissing(t *testing.T, env Env) {
	s := env.NewSession(t)
	path := sub(env, "missing")
	for _, req := range []core.Request{
		core.GetData{Path: path},
		core.Exists{Path: path},
		core.Children{Path: path},
		setAny(path, "x"),
		deleteAny(path),
		core.Delete{Path: path, Version: 0},
	} {
		call(t, s, req, core.CodeNoNode)
	}
	absent(t, s, path)
}

func setVersion(t *testing.T, env Env) {
	s := env.NewSession(t)
	path := create(t, s, sub(env, "a"), "v0", core.Persistent)
	before := statOf(t, s, path)
	r := ok(t, s, core.SetData{Path: path, Data: []byte("v1!"), Version: 0})
	after := statOf(t, s, path)
	if r.Stat != after {
		t.Fatalf("set reply stat: got %+v, want the node's %+v", r.Stat, after)
	}
	if after.Version != 1 || after.DataLength != 3 || after.Czxid != before.Czxid ||
		after.Mzxid <= before.Mzxid || after.Pzxid != before.Pzxid {
		t.Fatalf("stat after set: got %+v, want version 1, length 3, czxid and pzxid kept, mzxid > %d", after, before.Mzxid)
	}
	call(t, s, core.SetData{Path: path, Data: []byte("stale"), Version: 0}, core.CodeBadVersion)
	call(t, s, core.SetData{Path: path, Data: []byte("future"), Version: 5}, core.CodeBadVersion)
	if got := dataOf(t, s, path); got != "v1!" {
		t.Fatalf("data after stale sets: got %q, want v1!", got)
	}
	if got := statOf(t, s, path); got != after {
		t.Fatalf("stat after stale sets: got %+v, want %+v", got, after)
	}
	ok(t, s, core.SetData{Path: path, Data: []byte("v2"), Version: 1})
	if got := statOf(t, s, path).Version; got != 2 {
		t.Fatalf("version: got %d, want 2", got)
	}
}

func setAnyVersion(t *testing.T, env Env) {
	s := env.NewSession(t)
	path := create(t, s, sub(env, "a"), "", core.Persistent)
	for want := int32(1); want <= 3; want++ {
		if got := ok(t, s, setAny(path, "x")).Stat.Version; got != want {
			t.Fatalf("version after AnyVersion set: got %d, want %d", got, want)
		}
	}
}

func deleteVersion(t *testing.T, env Env) {
	s := env.NewSession(t)
	a := create(t, s, sub(env, "a"), "", core.Persistent)
	ok(t, s, setAny(a, "x"))
	call(t, s, core.Delete{Path: a, Version: 0}, core.CodeBadVersion)
	statOf(t, s, a)
	ok(t, s, core.Delete{Path: a, Version: 1})
	absent(t, s, a)
	b := create(t, s, sub(env, "b"), "", core.Persistent)
	ok(t, s, setAny(b, "x"))
	ok(t, s, deleteAny(b))
	absent(t, s, b)
	call(t, s, deleteAny(b), core.CodeNoNode)
}

func deleteNotEmpty(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	c := mkdir(t, s, sub(env, "p", "c"))
	call(t, s, deleteAny(p), core.CodeNotEmpty)
	if got := childrenOf(t, s, p); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("children after a failed delete: got %v, want [c]", got)
	}
	ok(t, s, deleteAny(c))
	ok(t, s, deleteAny(p))
	absent(t, s, p)
}

func deleteVersionBeforeChildren(t *testing.T, env Env) {
	// ZooKeeper checks the version before the children: a stale delete of a
	// non-empty node is BadVersion, not NotEmpty.
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	mkdir(t, s, sub(env, "p", "c"))
	call(t, s, core.Delete{Path: p, Version: 3}, core.CodeBadVersion)
	call(t, s, core.Delete{Path: p, Version: 0}, core.CodeNotEmpty)
}

func statChildCounters(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := create(t, s, sub(env, "p"), "data", core.Persistent)
	p0 := statOf(t, s, p)
	c1 := create(t, s, sub(env, "p", "c1"), "", core.Persistent)
	create(t, s, sub(env, "p", "c2"), "", core.Ephemeral)
	c2 := statOf(t, s, sub(env, "p", "c2"))
	p2 := statOf(t, s, p)
	if p2.Cversion != 2 || p2.NumChildren != 2 || p2.Pzxid != c2.Czxid {
		t.Fatalf("parent after two creates: got %+v, want cversion 2, 2 children, pzxid = last child's czxid %d", p2, c2.Czxid)
	}
	if p2.Version != p0.Version || p2.Mzxid != p0.Mzxid || p2.DataLength != p0.DataLength {
		t.Fatalf("parent data stat after child creates: got %+v, want version, mzxid, length of %+v", p2, p0)
	}
	ok(t, s, deleteAny(c1))
	p3 := statOf(t, s, p)
	// A delete moves pzxid and, as clients see it, cversion: the reported
	// cversion counts child creations and deletions (ZooKeeper stores the
	// creations and reports 2*creations - NumChildren).
	if p3.NumChildren != 1 || p3.Cversion != 3 || p3.Pzxid <= p2.Pzxid || p3.Mzxid != p0.Mzxid {
		t.Fatalf("parent after a delete: got %+v, want 1 child, cversion 3, pzxid > %d, mzxid %d", p3, p2.Pzxid, p0.Mzxid)
	}
	ok(t, s, setAny(p, "more"))
	if got := statOf(t, s, p); got.Pzxid != p3.Pzxid || got.Cversion != 3 {
		t.Fatalf("parent after its own set: got %+v, want pzxid %d and cversion 3 kept", got, p3.Pzxid)
	}
}

func statSameFromEveryRead(t *testing.T, env Env) {
	a, b := env.NewSession(t), env.NewSession(t)
	p := create(t, a, sub(env, "p"), "x", core.Persistent)
	create(t, a, sub(env, "p", "c"), "", core.Persistent)
	ok(t, a, setAny(p, "xyz"))
	fromExists := statOf(t, b, p)
	fromGet := ok(t, b, core.GetData{Path: p}).Stat
	fromChildren := ok(t, b, core.Children{Path: p}).Stat
	if fromGet != fromExists || fromChildren != fromExists {
		t.Fatalf("stats: got exists %+v, get %+v, children %+v, want all equal", fromExists, fromGet, fromChildren)
	}
	if fromExists.Version != 1 || fromExists.DataLength != 3 || fromExists.NumChildren != 1 || fromExists.Cversion != 1 {
		t.Fatalf("stat: got %+v, want version 1, length 3, 1 child, cversion 1", fromExists)
	}
}

func childrenSortedNames(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	if got := childrenOf(t, s, p); len(got) != 0 {
		t.Fatalf("children of a new node: got %v, want none", got)
	}
	for _, name := range []string{"b", "a1", "c", "a", "B", "a-0"} {
		mkdir(t, s, p+"/"+name)
	}
	mkdir(t, s, p+"/a/grandchild")
	r := ok(t, s, core.Children{Path: p})
	want := []string{"B", "a", "a-0", "a1", "b", "c"} // names, bytewise order, no grandchildren
	if !slices.Equal(r.Children, want) {
		t.Fatalf("children: got %v, want %v", r.Children, want)
	}
	if r.Stat.NumChildren != int32(len(want)) {
		t.Fatalf("NumChildren: got %d, want %d", r.Stat.NumChildren, len(want))
	}
}

func dataIsolation(t *testing.T, env Env) {
	s := env.NewSession(t)
	in := []byte("abc")
	path := ok(t, s, core.Create{Path: sub(env, "a"), Data: in}).Path
	in[0] = 'X'
	out := ok(t, s, core.GetData{Path: path}).Data
	out[1] = 'Y'
	if got := dataOf(t, s, path); got != "abc" {
		t.Fatalf("data after mutating the create buffer and a reply: got %q, want abc", got)
	}
	set := []byte("def")
	ok(t, s, core.SetData{Path: path, Data: set, Version: core.AnyVersion})
	set[0] = 'X'
	multi := []byte("ghi")
	ok(t, s, core.Multi{Ops: []core.Request{core.Create{Path: sub(env, "b"), Data: multi}}})
	multi[0] = 'X'
	if got := dataOf(t, s, path); got != "def" {
		t.Fatalf("data after mutating the set buffer: got %q, want def", got)
	}
	if got := dataOf(t, s, sub(env, "b")); got != "ghi" {
		t.Fatalf("data after mutating a multi's buffer: got %q, want ghi", got)
	}
}

func dataEmptyAndBinary(t *testing.T, env Env) {
	s := env.NewSession(t)
	empty := ok(t, s, core.Create{Path: sub(env, "empty")}).Path
	if g := ok(t, s, core.GetData{Path: empty}); len(g.Data) != 0 || g.Stat.DataLength != 0 {
		t.Fatalf("empty node: got %q length %d, want no data", g.Data, g.Stat.DataLength)
	}
	bin := []byte{0, 1, 0xfe, 0xff, '\n', 0}
	path := ok(t, s, core.Create{Path: sub(env, "bin"), Data: bin}).Path
	if g := ok(t, s, core.GetData{Path: path}); !bytes.Equal(g.Data, bin) || g.Stat.DataLength != int32(len(bin)) {
		t.Fatalf("binary node: got %q length %d, want %q", g.Data, g.Stat.DataLength, bin)
	}
	ok(t, s, core.SetData{Path: path, Version: core.AnyVersion})
	if g := ok(t, s, core.GetData{Path: path}); len(g.Data) != 0 || g.Stat.DataLength != 0 || g.Stat.Version != 1 {
		t.Fatalf("after clearing: got %q %+v, want no data, version 1", g.Data, g.Stat)
	}
}
