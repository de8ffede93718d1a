package conformance

import (
	"slices"
	"testing"

	"github.com/squall/squall/core"
)

// sessionCases: what ending a session does to the tree.
func sessionCases() []Case {
	return []Case{
		{"session/ephemerals-deleted-at-expiry", sessionEphemeralsDeleted},
		{"session/persistent-nodes-survive-expiry", sessionPersistentSurvive},
		{"session/expired-session-rejects-requests", sessionExpiredRejects},
		{"session/ephemeral-deleted-by-another-session", sessionEphemeralDeletedByOther},
	}
}

func sessionEphemeralsDeleted(t *testing.T, env Env) {
	a, b := env.NewSession(t), env.NewSession(t)
	p := mkdir(t, b, sub(env, "p"))
	e1 := create(t, a, p+"/e1", "x", core.Ephemeral)
	e2 := create(t, a, p+"/e2", "", core.EphemeralSequential)
	keep := create(t, b, p+"/keep", "", core.Ephemeral)
	before := statOf(t, b, p)
	if before.NumChildren != 3 {
		t.Fatalf("children before expiry: got %d, want 3", before.NumChildren)
	}
	env.Expire(t, a)
	absent(t, b, e1)
	absent(t, b, e2)
	statOf(t, b, keep)
	if got := childrenOf(t, b, p); !slices.Equal(got, []string{"keep"}) {
		t.Fatalf("children after expiry: got %v, want [keep]", got)
	}
	after := statOf(t, b, p)
	// Each ephemeral the expiry deleted is a child change.
	if after.NumChildren != 1 || after.Pzxid <= before.Pzxid || after.Cversion != before.Cversion+2 {
		t.Fatalf("parent after expiry: got %+v, want 1 child, pzxid > %d, cversion %d", after, before.Pzxid, before.Cversion+2)
	}
}

func sessionPersistentSurvive(t *testing.T, env Env) {
	a, b := env.NewSession(t), env.NewSession(t)
	p := create(t, a, sub(env, "p"), "kept", core.Persistent)
	q := create(t, a, sub(env, "q"), "", core.PersistentSequential)
	ok(t, a, setAny(p, "kept2"))
	before := statOf(t, b, p)
	env.Expire(t, a)
	if got := dataOf(t, b, p); got != "kept2" {
		t.Fatalf("data after expiry: got %q, want kept2", got)
	}
	if got := statOf(t, b, p); got != before {
		t.Fatalf("stat after expiry: got %+v, want %+v", got, before)
	}
	statOf(t, b, q)
}

func sessionExpiredRejects(t *testing.T, env Env) {
	a, b := env.NewSession(t), env.NewSession(t)
	p := mkdir(t, b, sub(env, "p"))
	env.Expire(t, a)
	for _, req := range []core.Request{
		core.GetData{Path: p},
		core.Exists{Path: p + "/x", Watch: true},
		core.Children{Path: p},
		persistent(p + "/x"),
		core.Create{Path: p + "/e", Mode: core.Ephemeral},
		setAny(p, "x"),
		core.Multi{Ops: []core.Request{persistent(p + "/m")}},
		deleteAny(p),
	} {
		expectDead(t, a, req)
	}
	if got := childrenOf(t, b, p); len(got) != 0 {
		t.Fatalf("children after requests of an expired session: got %v, want none", got)
	}
	if got := dataOf(t, b, p); got != "" {
		t.Fatalf("data after a set by an expired session: got %q, want empty", got)
	}
	ok(t, b, persistent(p+"/x"))
	expectWatches(t, a)
}

func sessionEphemeralDeletedByOther(t *testing.T, env Env) {
	// Any session may delete an ephemeral; its owner's expiry then has
	// nothing left to delete and a new node of that name survives it.
	a, b := env.NewSession(t), env.NewSession(t)
	e := create(t, a, sub(env, "e"), "", core.Ephemeral)
	ok(t, b, deleteAny(e))
	create(t, b, e, "", core.Persistent)
	env.Expire(t, a)
	if got := statOf(t, b, e).EphemeralOwner; got != 0 {
		t.Fatalf("owner of the new node: got %#x, want 0", int64(got))
	}
}
