package conformance_test

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/sim/zkmodel"
	"github.com/squall/squall/sim/zkmodel/conformance"
)

// modelEnv runs the suite on zkmodel: one server per case, a clock that
// advances a millisecond per request, and an inbox per session fed by the
// server's notifications. A non-empty mutant breaks it on purpose (see
// TestMutantsAreCaught).
type modelEnv struct {
	srv    *zkmodel.Server
	now    core.Time
	inbox  map[core.SessionID][]core.WatchFired
	dead   map[core.SessionID]bool // mutant "lazy-expiry" only
	mutant string
}

type modelSession struct {
	env *modelEnv
	id  core.SessionID
}

const (
	modelRoot    = "/conformance-1"
	modelTimeout = 30 * time.Second // no case lets a session time out
)

func newModelEnv(t *testing.T, mutant string) *modelEnv {
	e := &modelEnv{
		srv:    zkmodel.New(),
		inbox:  map[core.SessionID][]core.WatchFired{},
		dead:   map[core.SessionID]bool{},
		mutant: mutant,
	}
	admin := e.srv.OpenSession(e.tick(), modelTimeout)
	if r := e.srv.Apply(admin, e.tick(), core.Create{Path: modelRoot}); r.Code != core.CodeOK {
		t.Fatalf("creating the root: got %s, want OK", r)
	}
	t.Cleanup(func() { checkTree(t, e.srv, "/") })
	return e
}

func (e *modelEnv) tick() core.Time {
	e.now = e.now.Add(time.Millisecond)
	return e.now
}

// route moves the server's notifications to the sessions' inboxes.
func (e *modelEnv) route() {
	for _, n := range e.srv.TakeNotifications() {
		e.inbox[n.Session] = append(e.inbox[n.Session], n.Event)
	}
}

func (e *modelEnv) NewSession(t *testing.T) conformance.Session {
	return &modelSession{env: e, id: e.srv.OpenSession(e.tick(), modelTimeout)}
}

func (e *modelEnv) Expire(t *testing.T, s conformance.Session) {
	id := s.(*modelSession).id
	if e.mutant == "lazy-expiry" {
		e.dead[id] = true // the client gives up, the server never hears
		return
	}
	e.srv.Expire(id)
	e.route()
	if e.srv.Alive(id) {
		t.Fatalf("session %#x alive after Expire", int64(id))
	}
}

func (e *modelEnv) Root() string { return modelRoot }

func (s *modelSession) Do(req core.Request) core.Reply {
	e := s.env
	if e.dead[s.id] {
		return core.Reply{Code: core.CodeSessionExpired}
	}
	var r core.Reply
	if m, ok := req.(core.Multi); ok && e.mutant == "non-atomic-multi" {
		r = s.doEach(m)
	} else {
		r = e.srv.Apply(s.id, e.tick(), req)
	}
	e.route()
	if e.mutant == "unsorted-children" {
		slices.Reverse(r.Children)
	}
	return r
}

// doEach is the "non-atomic-multi" mutant: each operation on its own.
func (s *modelSession) doEach(m core.Multi) core.Reply {
	out := core.Reply{Code: core.CodeOK}
	for _, op := range m.Ops {
		if c, ok := op.(core.Check); ok {
			op = core.Exists{Path: c.Path}
		}
		r := s.env.srv.Apply(s.id, s.env.tick(), op)
		if out.Code == core.CodeOK {
			out.Code = r.Code
		}
		out.Multi = append(out.Multi, r)
	}
	return out
}

func (s *modelSession) Watches() []core.WatchFired {
	e := s.env
	e.route()
	out := e.inbox[s.id]
	delete(e.inbox, s.id)
	if e.mutant == "no-watches" {
		return nil
	}
	return out
}

func (s *modelSession) ID() core.SessionID { return s.id }

// checkTree walks the model through its observers after a case: every
// node's NumChildren matches its children, all of which exist.
func checkTree(t *testing.T, srv *zkmodel.Server, path string) {
	t.Helper()
	_, st, ok := srv.Lookup(path)
	if !ok {
		t.Fatalf("Lookup(%s): got no node, want one", path)
	}
	children := srv.ChildrenOf(path)
	if int(st.NumChildren) != len(children) || !slices.IsSorted(children) {
		t.Fatalf("%s: got NumChildren %d and children %v, want as many, sorted", path, st.NumChildren, children)
	}
	for _, c := range children {
		if path == "/" {
			checkTree(t, srv, "/"+c)
		} else {
			checkTree(t, srv, path+"/"+c)
		}
	}
}

func TestModelConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) conformance.Env { return newModelEnv(t, "") })
}

func TestSuiteSize(t *testing.T) {
	const casesMin = 30
	cases := conformance.Cases()
	if len(cases) < casesMin {
		t.Fatalf("cases: got %d, want at least %d", len(cases), casesMin)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if c.Name == "" || c.Run == nil || seen[c.Name] {
			t.Fatalf("case %q: got an empty, duplicate or runless case, want unique named cases", c.Name)
		}
		seen[c.Name] = true
	}
}

// mutantEnv is set in the child process that runs the suite on a broken model.
const mutantEnv = "ZKMODEL_CONFORMANCE_MUTANT"

// TestMutantConformance runs the suite on a broken model; only
// TestMutantsAreCaught runs it, in a child process, and expects it to fail.
func TestMutantConformance(t *testing.T) {
	mutant := os.Getenv(mutantEnv)
	if mutant == "" {
		t.Skip("run by TestMutantsAreCaught")
	}
	conformance.Run(t, func(t *testing.T) conformance.Env { return newModelEnv(t, mutant) })
}

// TestMutantsAreCaught shows that the suite can fail: each deliberately
// broken model must fail at least the named cases.
func TestMutantsAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite in child processes")
	}
	tests := []struct {
		mutant   string
		mustFail []string
	}{
		{"no-watches", []string{
			"watch/get-fires-on-set", "watch/exists-on-missing-fires-on-create",
			"watch/expiry-fires-for-others", "multi/watches-fire-in-op-order",
		}},
		{"unsorted-children", []string{"children/sorted-names"}},
		{"lazy-expiry", []string{
			"session/ephemerals-deleted-at-expiry", "sequential/ephemeral",
			"watch/dropped-at-expiry", "watch/expiry-fires-for-others", "multi/ephemeral-owned-by-session",
		}},
		{"non-atomic-multi", []string{
			"multi/failure-is-atomic", "multi/check-fences-writes", "multi/failure-fires-nothing",
			"multi/failure-codes", "multi/one-transaction",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mutant, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMutantConformance$")
			cmd.Env = append(os.Environ(), mutantEnv+"="+tt.mutant)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("suite on mutant %s: got a pass, want failures", tt.mutant)
			}
			for _, name := range tt.mustFail {
				if !bytes.Contains(out, []byte("--- FAIL: TestMutantConformance/"+name+" ")) {
					t.Errorf("mutant %s: got case %s passing, want it failing", tt.mutant, name)
				}
			}
		})
	}
}
