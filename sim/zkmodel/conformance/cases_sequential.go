package conformance

import (
	"fmt"
	"testing"

	"github.com/squall/squall/core"
)

// sequentialCases: sequential names are the parent's cversion as %010d.
func sequentialCases() []Case {
	return []Case{
		{"sequential/names", sequentialNames},
		{"sequential/counter-is-parent-cversion", sequentialCounterIsCversion},
		{"sequential/delete-does-not-advance", sequentialDeleteDoesNotAdvance},
		{"sequential/counter-per-parent", sequentialCounterPerParent},
		{"sequential/ephemeral", sequentialEphemeral},
		{"sequential/trailing-slash-prefix", sequentialTrailingSlash},
	}
}

func seqName(prefix string, n int) string { return fmt.Sprintf("%s%010d", prefix, n) }

func sequentialNames(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	for i := range 3 {
		if got, want := create(t, s, p+"/n_", "", core.PersistentSequential), seqName(p+"/n_", i); got != want {
			t.Fatalf("sequential create %d: got %s, want %s", i, got, want)
		}
	}
	// Another prefix under the same parent shares the counter.
	if got, want := create(t, s, p+"/m_", "", core.PersistentSequential), seqName(p+"/m_", 3); got != want {
		t.Fatalf("sequential create with another prefix: got %s, want %s", got, want)
	}
	statOf(t, s, seqName(p+"/n_", 0))
}

func sequentialCounterIsCversion(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	mkdir(t, s, p+"/plain-1")
	create(t, s, p+"/plain-2", "", core.Ephemeral)
	cversion := statOf(t, s, p).Cversion
	if cversion != 2 {
		t.Fatalf("cversion after two creates: got %d, want 2", cversion)
	}
	if got, want := create(t, s, p+"/n_", "", core.PersistentSequential), seqName(p+"/n_", int(cversion)); got != want {
		t.Fatalf("sequential create after plain ones: got %s, want %s", got, want)
	}
}

func sequentialDeleteDoesNotAdvance(t *testing.T, env Env) {
	// The counter counts child creations; deletes do not advance it, though
	// they do advance the cversion clients see. Names are never reused.
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	first := create(t, s, p+"/n_", "", core.PersistentSequential)
	ok(t, s, deleteAny(first))
	mkdir(t, s, p+"/plain")
	ok(t, s, deleteAny(p+"/plain"))
	if got, want := create(t, s, p+"/n_", "", core.PersistentSequential), seqName(p+"/n_", 2); got != want {
		t.Fatalf("sequential create after deletes: got %s, want %s", got, want)
	}
	if got := statOf(t, s, p).Cversion; got != 5 {
		t.Fatalf("cversion after three creates and two deletes: got %d, want 5", got)
	}
}

func sequentialCounterPerParent(t *testing.T, env Env) {
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	q := mkdir(t, s, sub(env, "q"))
	create(t, s, p+"/n_", "", core.PersistentSequential)
	create(t, s, p+"/n_", "", core.PersistentSequential)
	if got, want := create(t, s, q+"/n_", "", core.PersistentSequential), seqName(q+"/n_", 0); got != want {
		t.Fatalf("first sequential under another parent: got %s, want %s", got, want)
	}
	if got, want := create(t, s, p+"/n_", "", core.PersistentSequential), seqName(p+"/n_", 2); got != want {
		t.Fatalf("third sequential under the first parent: got %s, want %s", got, want)
	}
}

func sequentialEphemeral(t *testing.T, env Env) {
	a, b := env.NewSession(t), env.NewSession(t)
	p := mkdir(t, b, sub(env, "election"))
	mine := create(t, a, p+"/n_", "a", core.EphemeralSequential)
	theirs := create(t, b, p+"/n_", "b", core.EphemeralSequential)
	if mine != seqName(p+"/n_", 0) || theirs != seqName(p+"/n_", 1) {
		t.Fatalf("names: got %s %s, want suffixes 0 and 1", mine, theirs)
	}
	if got := statOf(t, b, mine).EphemeralOwner; got != a.ID() {
		t.Fatalf("owner: got %#x, want %#x", int64(got), int64(a.ID()))
	}
	env.Expire(t, a)
	absent(t, b, mine)
	statOf(t, b, theirs)
	if got, want := create(t, b, p+"/n_", "", core.EphemeralSequential), seqName(p+"/n_", 2); got != want {
		t.Fatalf("sequential after an expiry: got %s, want %s", got, want)
	}
}

func sequentialTrailingSlash(t *testing.T, env Env) {
	// A sequential prefix may end in "/": the child's name is the number.
	s := env.NewSession(t)
	p := mkdir(t, s, sub(env, "p"))
	if got, want := create(t, s, p+"/", "", core.PersistentSequential), seqName(p+"/", 0); got != want {
		t.Fatalf("sequential create of %s/: got %s, want %s", p, got, want)
	}
	if got := childrenOf(t, s, p); len(got) != 1 || got[0] != "0000000000" {
		t.Fatalf("children: got %v, want [0000000000]", got)
	}
}
