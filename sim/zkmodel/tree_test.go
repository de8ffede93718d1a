package zkmodel

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/squall/squall/core"
)

func TestCreateStat(t *testing.T) {
	f := newFixture()
	a := f.open()
	r := f.ok(t, a, core.Create{Path: "/a", Data: []byte("hello"), Mode: core.Persistent})
	if r.Path != "/a" {
		t.Fatalf("create path: got %q, want /a", r.Path)
	}
	want := core.Stat{Czxid: 1, Mzxid: 1, Pzxid: 1, DataLength: 5}
	if got := f.stat(t, "/a"); got != want {
		t.Fatalf("stat: got %+v, want %+v", got, want)
	}
	f.ok(t, a, core.Create{Path: "/a/e", Mode: core.Ephemeral})
	want = core.Stat{Czxid: 2, Mzxid: 2, Pzxid: 2, EphemeralOwner: a}
	if got := f.stat(t, "/a/e"); got != want {
		t.Fatalf("ephemeral stat: got %+v, want %+v", got, want)
	}
	want = core.Stat{Czxid: 1, Mzxid: 1, Pzxid: 2, Cversion: 1, DataLength: 5, NumChildren: 1}
	if got := f.stat(t, "/a"); got != want {
		t.Fatalf("parent stat: got %+v, want %+v", got, want)
	}
	if got := f.s.Zxid(); got != 2 {
		t.Fatalf("zxid: got %d, want 2", got)
	}
}

func TestWriteErrors(t *testing.T) {
	tooLong := make([]byte, core.DataBytesMax+1)
	tests := []struct {
		name string
		req  core.Request
		want core.Code
	}{
		{"create missing parent", mkPersistent("/x/y"), core.CodeNoNode},
		{"create existing", mkPersistent("/p"), core.CodeNodeExists},
		{"create root", mkPersistent("/"), core.CodeNodeExists},
		{"create under ephemeral", mkPersistent("/p/e/c"), core.CodeNoChildrenForEphemerals},
		{"create ephemeral under ephemeral", core.Create{Path: "/p/e/c", Mode: core.Ephemeral}, core.CodeNoChildrenForEphemerals},
		{"create seq under ephemeral", core.Create{Path: "/p/e/c", Mode: core.PersistentSequential}, core.CodeNoChildrenForEphemerals},
		{"create bad path", mkPersistent("/p/"), core.CodeBadArguments},
		{"create bad mode", core.Create{Path: "/q", Mode: 9}, core.CodeBadArguments},
		{"create data too long", core.Create{Path: "/q", Data: tooLong}, core.CodeBadArguments},
		{"delete missing", core.Delete{Path: "/x", Version: core.AnyVersion}, core.CodeNoNode},
		{"delete missing parent", core.Delete{Path: "/x/y", Version: core.AnyVersion}, core.CodeNoNode},
		{"delete stale", core.Delete{Path: "/p/e", Version: 3}, core.CodeBadVersion},
		{"delete non-empty", core.Delete{Path: "/p", Version: core.AnyVersion}, core.CodeNotEmpty},
		{"delete non-empty stale", core.Delete{Path: "/p", Version: 3}, core.CodeBadVersion},
		{"delete root", core.Delete{Path: "/", Version: core.AnyVersion}, core.CodeBadArguments},
		{"delete bad path", core.Delete{Path: "/p//e", Version: core.AnyVersion}, core.CodeBadArguments},
		{"set missing", core.SetData{Path: "/x", Version: core.AnyVersion}, core.CodeNoNode},
		{"set stale", core.SetData{Path: "/p", Version: 1}, core.CodeBadVersion},
		{"set too long", core.SetData{Path: "/p", Data: tooLong, Version: core.AnyVersion}, core.CodeBadArguments},
		{"set bad path", core.SetData{Path: "p", Version: core.AnyVersion}, core.CodeBadArguments},
		{"check outside multi", core.Check{Path: "/p", Version: core.AnyVersion}, core.CodeBadArguments},
		{"nil request", nil, core.CodeBadArguments},
		{"pointer request", &core.Create{Path: "/q"}, core.CodeBadArguments},
		{"get missing", core.GetData{Path: "/x"}, core.CodeNoNode},
		{"get bad path", core.GetData{Path: "/x/"}, core.CodeBadArguments},
		{"exists missing", core.Exists{Path: "/x"}, core.CodeNoNode},
		{"exists bad path", core.Exists{Path: "/x/./y"}, core.CodeBadArguments},
		{"children missing", core.Children{Path: "/x"}, core.CodeNoNode},
		{"children bad path", core.Children{Path: ""}, core.CodeBadArguments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			a := f.open()
			f.ok(t, a, mkPersistent("/p"))
			f.ok(t, a, core.Create{Path: "/p/e", Mode: core.Ephemeral})
			before := dump(f.s)
			f.do(t, a, tt.req, tt.want)
			if after := dump(f.s); after != before {
				t.Fatalf("failed request changed the state:\n got %s\nwant %s", after, before)
			}
			checkNotes(t, f.s)
		})
	}
}

func TestSequentialNames(t *testing.T) {
	f := newFixture()
	a := f.open()
	f.ok(t, a, mkPersistent("/q"))
	f.ok(t, a, mkPersistent("/r"))
	seq := func(prefix string, mode core.CreateMode) string {
		return f.ok(t, a, core.Create{Path: prefix, Mode: mode}).Path
	}
	steps := []struct {
		name string
		got  func() string
		want string
	}{
		{"first", func() string { return seq("/q/n_", core.PersistentSequential) }, "/q/n_0000000000"},
		{"second", func() string { return seq("/q/n_", core.EphemeralSequential) }, "/q/n_0000000001"},
		{"other prefix shares the counter", func() string { return seq("/q/m_", core.PersistentSequential) }, "/q/m_0000000002"},
		{"other parent has its own counter", func() string { return seq("/r/n_", core.PersistentSequential) }, "/r/n_0000000000"},
		{"plain create advances it", func() string {
			f.ok(t, a, mkPersistent("/q/plain"))
			return seq("/q/n_", core.PersistentSequential)
		}, "/q/n_0000000004"},
		{"delete does not advance it", func() string {
			f.ok(t, a, core.Delete{Path: "/q/n_0000000004", Version: core.AnyVersion})
			f.ok(t, a, core.Delete{Path: "/q/n_0000000000", Version: core.AnyVersion})
			return seq("/q/n_", core.PersistentSequential)
		}, "/q/n_0000000005"},
		{"trailing slash prefix", func() string { return seq("/r/", core.PersistentSequential) }, "/r/0000000001"},
		{"root prefix", func() string { return seq("/", core.PersistentSequential) }, "/0000000002"},
	}
	for _, st := range steps {
		if got := st.got(); got != st.want {
			t.Fatalf("%s: got %s, want %s", st.name, got, st.want)
		}
	}
	// Six creations and two deletions: the name counter saw the creations
	// only, the stat clients see counts both.
	if got, want := f.stat(t, "/q").Cversion, int32(8); got != want {
		t.Fatalf("/q cversion: got %d, want %d", got, want)
	}
}

func TestSequentialCollision(t *testing.T) {
	// The counter is the parent's cversion, so a node created by hand with
	// the next sequential name makes the sequential create fail, as in
	// ZooKeeper.
	f := newFixture()
	a := f.open()
	f.ok(t, a, mkPersistent("/q"))
	f.ok(t, a, mkPersistent("/q/n_0000000001"))
	f.do(t, a, core.Create{Path: "/q/n_", Mode: core.PersistentSequential}, core.CodeNodeExists)
}

func TestSetDataAndDelete(t *testing.T) {
	f := newFixture()
	a := f.open()
	f.ok(t, a, core.Create{Path: "/a", Data: []byte("v0")})
	r := f.ok(t, a, core.SetData{Path: "/a", Data: []byte("v1!"), Version: 0})
	want := core.Stat{Czxid: 1, Mzxid: 2, Pzxid: 1, Version: 1, DataLength: 3}
	if r.Stat != want {
		t.Fatalf("set reply stat: got %+v, want %+v", r.Stat, want)
	}
	if got := f.stat(t, "/a"); got != want {
		t.Fatalf("stat: got %+v, want %+v", got, want)
	}
	f.do(t, a, core.SetData{Path: "/a", Data: []byte("x"), Version: 0}, core.CodeBadVersion)
	f.ok(t, a, core.SetData{Path: "/a", Data: nil, Version: core.AnyVersion})
	g := f.ok(t, a, core.GetData{Path: "/a"})
	if g.Data == nil || len(g.Data) != 0 || g.Stat.Version != 2 || g.Stat.DataLength != 0 {
		t.Fatalf("get after clearing: got data %#v stat %+v, want empty non-nil data, version 2", g.Data, g.Stat)
	}
	f.do(t, a, core.Delete{Path: "/a", Version: 1}, core.CodeBadVersion)
	f.ok(t, a, core.Delete{Path: "/a", Version: 2})
	if _, _, ok := f.s.Lookup("/a"); ok {
		t.Fatalf("Lookup(/a) after delete: got a node, want none")
	}
	root := f.stat(t, "/")
	if root.Cversion != 2 || root.Pzxid != 4 || root.NumChildren != 0 {
		t.Fatalf("root after delete: got %+v, want cversion 2 (a creation, a deletion), pzxid 4, no children", root)
	}
}

func TestNextVersion(t *testing.T) {
	tests := []struct{ v, want int32 }{
		{0, 1},
		{41, 42},
		{math.MaxInt32, math.MinInt32},
		{-2, 0}, // never -1, which would read as AnyVersion
	}
	for _, tt := range tests {
		if got := nextVersion(tt.v); got != tt.want {
			t.Errorf("nextVersion(%d): got %d, want %d", tt.v, got, tt.want)
		}
	}
}

func TestDataIsolation(t *testing.T) {
	f := newFixture()
	a := f.open()
	in := []byte("abc")
	f.ok(t, a, core.Create{Path: "/a", Data: in})
	in[0] = 'X'
	out := f.ok(t, a, core.GetData{Path: "/a"}).Data
	out[1] = 'Y'
	looked, _, _ := f.s.Lookup("/a")
	looked[2] = 'Z'
	if got := f.ok(t, a, core.GetData{Path: "/a"}).Data; !bytes.Equal(got, []byte("abc")) {
		t.Fatalf("data after mutating buffers: got %q, want abc", got)
	}
	set := []byte("def")
	f.ok(t, a, core.SetData{Path: "/a", Data: set, Version: core.AnyVersion})
	set[0] = 'X'
	multi := []byte("ghi")
	f.ok(t, a, core.Multi{Ops: []core.Request{core.Create{Path: "/b", Data: multi}}})
	multi[0] = 'X'
	for path, want := range map[string]string{"/a": "def", "/b": "ghi"} {
		if got := f.ok(t, a, core.GetData{Path: path}).Data; string(got) != want {
			t.Fatalf("%s: got %q, want %q", path, got, want)
		}
	}
}

func TestChildren(t *testing.T) {
	f := newFixture()
	a := f.open()
	f.ok(t, a, mkPersistent("/p"))
	for _, name := range []string{"b", "a1", "c", "a", "B"} {
		f.ok(t, a, mkPersistent("/p/"+name))
	}
	r := f.ok(t, a, core.Children{Path: "/p"})
	want := []string{"B", "a", "a1", "b", "c"}
	if !slices.Equal(r.Children, want) {
		t.Fatalf("children: got %v, want %v", r.Children, want)
	}
	if r.Stat != f.stat(t, "/p") {
		t.Fatalf("children stat: got %+v, want the parent's %+v", r.Stat, f.stat(t, "/p"))
	}
	r.Children[0] = "zzz"
	if got := f.s.ChildrenOf("/p"); !slices.Equal(got, want) {
		t.Fatalf("ChildrenOf after mutating a reply: got %v, want %v", got, want)
	}
	if got := f.ok(t, a, core.Children{Path: "/p/a"}).Children; got == nil || len(got) != 0 {
		t.Fatalf("children of a leaf: got %#v, want empty non-nil", got)
	}
	if got := f.s.ChildrenOf("/nope"); got != nil {
		t.Fatalf("ChildrenOf missing: got %#v, want nil", got)
	}
}

func TestLargeData(t *testing.T) {
	f := newFixture()
	a := f.open()
	data := []byte(strings.Repeat("x", core.DataBytesMax))
	f.ok(t, a, core.Create{Path: "/big", Data: data})
	if got := f.stat(t, "/big").DataLength; got != core.DataBytesMax {
		t.Fatalf("DataLength: got %d, want %d", got, core.DataBytesMax)
	}
}
