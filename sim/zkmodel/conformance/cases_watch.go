package conformance

import (
	"testing"

	"github.com/squall/squall/core"
)

// watchCases: one-shot watches, per session, fired by other sessions' and
// the session's own writes and by expiries.
func watchCases() []Case {
	return []Case{
		{"watch/get-fires-on-set", watchGetFiresOnSet},
		{"watch/get-fires-on-delete", watchGetFiresOnDelete},
		{"watch/exists-on-missing-fires-on-create", watchExistsOnMissing},
		{"watch/exists-on-existing-fires-on-set-and-delete", watchExistsOnExisting},
		{"watch/children-fires-on-child-create-and-delete", watchChildrenOnChildChange},
		{"watch/children-fires-node-deleted", watchChildrenNodeDeleted},
		{"watch/kinds-ignore-other-changes", watchKindsIgnoreOthers},
		{"watch/one-shot", watchOneShot},
		{"watch/duplicate-registration-fires-once", watchDuplicateRegistration},
		{"watch/get-and-exists-fire-once", watchGetAndExistsOnce},
		{"watch/get-and-children-on-deleted-node-fire-once", watchDeletedNodeOnce},
		{"watch/read-of-missing-node-leaves-none", watchMissingLeavesNone},
		{"watch/read-without-watch-leaves-none", watchReadWithoutWatch},
		{"watch/failed-write-fires-nothing", watchFailedWrite},
		{"watch/own-write-fires", watchOwnWrite},
		{"watch/per-session", watchPerSession},
		{"watch/create-order-node-then-parent", watchCreateOrder},
		{"watch/dropped-at-expiry", watchDroppedAtExpiry},
		{"watch/expiry-fires-for-others", watchExpiryFiresForOthers},
	}
}

// watchSetup returns a watching session, a writing session and a node
// p/a holding "a" under a persistent p.
func watchSetup(t *testing.T, env Env) (w, x Session, p, a string) {
	w, x = env.NewSession(t), env.NewSession(t)
	p = mkdir(t, x, sub(env, "p"))
	a = create(t, x, p+"/a", "a", core.Persistent)
	return w, x, p, a
}

func watchGetFiresOnSet(t *testing.T, env Env) {
	w, x, _, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a, Watch: true})
	expectWatches(t, w)
	ok(t, x, setAny(a, "b"))
	expectWatches(t, w, fired(core.NodeDataChanged, a))
}

func watchGetFiresOnDelete(t *testing.T, env Env) {
	w, x, _, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, x, deleteAny(a))
	expectWatches(t, w, fired(core.NodeDeleted, a))
}

func watchExistsOnMissing(t *testing.T, env Env) {
	w, x, p, _ := watchSetup(t, env)
	n := p + "/new"
	call(t, w, core.Exists{Path: n, Watch: true}, core.CodeNoNode)
	expectWatches(t, w)
	create(t, x, n, "", core.Persistent)
	expectWatches(t, w, fired(core.NodeCreated, n))
	ok(t, x, setAny(n, "x")) // the watch fired: nothing more
	expectWatches(t, w)
}

func watchExistsOnExisting(t *testing.T, env Env) {
	w, x, _, a := watchSetup(t, env)
	ok(t, w, core.Exists{Path: a, Watch: true})
	ok(t, x, setAny(a, "b"))
	expectWatches(t, w, fired(core.NodeDataChanged, a))
	ok(t, w, core.Exists{Path: a, Watch: true})
	ok(t, x, deleteAny(a))
	expectWatches(t, w, fired(core.NodeDeleted, a))
}

func watchChildrenOnChildChange(t *testing.T, env Env) {
	w, x, p, a := watchSetup(t, env)
	ok(t, w, core.Children{Path: p, Watch: true})
	create(t, x, p+"/b", "", core.Ephemeral)
	expectWatches(t, w, fired(core.NodeChildrenChanged, p))
	ok(t, w, core.Children{Path: p, Watch: true})
	ok(t, x, deleteAny(a))
	expectWatches(t, w, fired(core.NodeChildrenChanged, p))
}

func watchChildrenNodeDeleted(t *testing.T, env Env) {
	w, x, _, a := watchSetup(t, env)
	ok(t, w, core.Children{Path: a, Watch: true})
	ok(t, x, deleteAny(a))
	expectWatches(t, w, fired(core.NodeDeleted, a))
}

func watchKindsIgnoreOthers(t *testing.T, env Env) {
	// A data watch ignores child changes; a child watch ignores data changes.
	w, x, p, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: p, Watch: true})
	ok(t, w, core.Children{Path: a, Watch: true})
	create(t, x, p+"/b", "", core.Persistent)
	ok(t, x, deleteAny(p+"/b"))
	ok(t, x, setAny(a, "changed"))
	expectWatches(t, w)
	ok(t, x, setAny(p, "now"))
	expectWatches(t, w, fired(core.NodeDataChanged, p))
}

func watchOneShot(t *testing.T, env Env) {
	w, x, p, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, w, core.Children{Path: p, Watch: true})
	ok(t, x, setAny(a, "1"))
	ok(t, x, setAny(a, "2"))
	create(t, x, p+"/b", "", core.Persistent)
	create(t, x, p+"/c", "", core.Persistent)
	ok(t, x, deleteAny(a))
	expectWatches(t, w, fired(core.NodeDataChanged, a), fired(core.NodeChildrenChanged, p))
	// Reading again sets the watch again.
	ok(t, w, core.GetData{Path: p + "/b", Watch: true})
	ok(t, x, setAny(p+"/b", "x"))
	expectWatches(t, w, fired(core.NodeDataChanged, p+"/b"))
}

func watchDuplicateRegistration(t *testing.T, env Env) {
	w, x, p, a := watchSetup(t, env)
	for range 2 {
		ok(t, w, core.GetData{Path: a, Watch: true})
		ok(t, w, core.Children{Path: p, Watch: true})
		call(t, w, core.Exists{Path: p + "/new", Watch: true}, core.CodeNoNode)
	}
	ok(t, x, setAny(a, "b"))
	create(t, x, p+"/new", "", core.Persistent)
	expectWatches(t, w,
		fired(core.NodeDataChanged, a),
		fired(core.NodeCreated, p+"/new"),
		fired(core.NodeChildrenChanged, p),
	)
}

func watchGetAndExistsOnce(t *testing.T, env Env) {
	// GetData and Exists leave the same kind of watch at the server.
	w, x, _, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, w, core.Exists{Path: a, Watch: true})
	ok(t, x, setAny(a, "b"))
	expectWatches(t, w, fired(core.NodeDataChanged, a))
}

func watchDeletedNodeOnce(t *testing.T, env Env) {
	// A node deleted under a data watch and a child watch of the same session
	// is reported once.
	w, x, _, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, w, core.Children{Path: a, Watch: true})
	ok(t, x, deleteAny(a))
	expectWatches(t, w, fired(core.NodeDeleted, a))
}

func watchMissingLeavesNone(t *testing.T, env Env) {
	w, x, p, _ := watchSetup(t, env)
	n := p + "/new"
	call(t, w, core.GetData{Path: n, Watch: true}, core.CodeNoNode)
	call(t, w, core.Children{Path: n, Watch: true}, core.CodeNoNode)
	create(t, x, n, "", core.Persistent)
	create(t, x, n+"/child", "", core.Persistent)
	ok(t, x, setAny(n, "x"))
	ok(t, x, deleteAny(n+"/child"))
	ok(t, x, deleteAny(n))
	expectWatches(t, w)
}

func watchReadWithoutWatch(t *testing.T, env Env) {
	w, x, p, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a})
	ok(t, w, core.Children{Path: p})
	call(t, w, core.Exists{Path: p + "/new"}, core.CodeNoNode)
	ok(t, x, setAny(a, "b"))
	create(t, x, p+"/new", "", core.Persistent)
	expectWatches(t, w)
}

func watchFailedWrite(t *testing.T, env Env) {
	w, x, p, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, w, core.Children{Path: p, Watch: true})
	call(t, x, core.SetData{Path: a, Version: 9}, core.CodeBadVersion)
	call(t, x, persistent(a), core.CodeNodeExists)
	call(t, x, core.Delete{Path: a, Version: 9}, core.CodeBadVersion)
	call(t, x, deleteAny(p), core.CodeNotEmpty)
	expectWatches(t, w)
	ok(t, x, setAny(a, "b"))
	expectWatches(t, w, fired(core.NodeDataChanged, a))
}

func watchOwnWrite(t *testing.T, env Env) {
	w, _, p, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, w, core.Children{Path: p, Watch: true})
	ok(t, w, setAny(a, "mine"))
	create(t, w, p+"/mine", "", core.Ephemeral)
	expectWatches(t, w, fired(core.NodeDataChanged, a), fired(core.NodeChildrenChanged, p))
}

func watchPerSession(t *testing.T, env Env) {
	// Each session has its own watch; one firing does not consume another's.
	w, x, _, a := watchSetup(t, env)
	v := env.NewSession(t)
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, v, core.GetData{Path: a, Watch: true})
	ok(t, x, setAny(a, "1"))
	expectWatches(t, w, fired(core.NodeDataChanged, a))
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, x, setAny(a, "2"))
	expectWatches(t, w, fired(core.NodeDataChanged, a))
	expectWatches(t, v, fired(core.NodeDataChanged, a))
	expectWatches(t, x)
}

func watchCreateOrder(t *testing.T, env Env) {
	w, x, p, a := watchSetup(t, env)
	n := p + "/new"
	ok(t, w, core.Children{Path: p, Watch: true})
	call(t, w, core.Exists{Path: n, Watch: true}, core.CodeNoNode)
	create(t, x, n, "", core.Persistent)
	expectWatches(t, w, fired(core.NodeCreated, n), fired(core.NodeChildrenChanged, p))
	ok(t, w, core.Children{Path: p, Watch: true})
	ok(t, w, core.Exists{Path: a, Watch: true})
	ok(t, x, deleteAny(a))
	expectWatches(t, w, fired(core.NodeDeleted, a), fired(core.NodeChildrenChanged, p))
}

func watchDroppedAtExpiry(t *testing.T, env Env) {
	w, x, p, a := watchSetup(t, env)
	ok(t, w, core.GetData{Path: a, Watch: true})
	ok(t, w, core.Children{Path: p, Watch: true})
	call(t, w, core.Exists{Path: p + "/new", Watch: true}, core.CodeNoNode)
	expectWatches(t, w)
	env.Expire(t, w)
	ok(t, x, setAny(a, "b"))
	create(t, x, p+"/new", "", core.Persistent)
	expectWatches(t, w)
}

func watchExpiryFiresForOthers(t *testing.T, env Env) {
	w, x, p, _ := watchSetup(t, env)
	e := create(t, x, p+"/e", "", core.Ephemeral)
	ok(t, w, core.GetData{Path: e, Watch: true})
	ok(t, w, core.Children{Path: p, Watch: true})
	env.Expire(t, x)
	expectWatches(t, w, fired(core.NodeDeleted, e), fired(core.NodeChildrenChanged, p))
}
