package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/squall/squall/core"
)

// Helpers shared by the cases. Each fails the case with a got/want message;
// requests print themselves, so a failure names the operation.

// call runs req on s and fails unless the reply's code is want.
func call(t *testing.T, s Session, req core.Request, want core.Code) core.Reply {
	t.Helper()
	r := s.Do(req)
	if r.Code != want {
		t.Fatalf("%s: got %s, want %s", req, r, want)
	}
	return r
}

func ok(t *testing.T, s Session, req core.Request) core.Reply {
	t.Helper()
	return call(t, s, req, core.CodeOK)
}

// create makes a node and returns its path (with any sequence suffix).
func create(t *testing.T, s Session, path, data string, mode core.CreateMode) string {
	t.Helper()
	return ok(t, s, core.Create{Path: path, Data: []byte(data), Mode: mode}).Path
}

// mkdir makes an empty persistent node.
func mkdir(t *testing.T, s Session, path string) string {
	t.Helper()
	return create(t, s, path, "", core.Persistent)
}

// statOf returns the stat of an existing node.
func statOf(t *testing.T, s Session, path string) core.Stat {
	t.Helper()
	return ok(t, s, core.Exists{Path: path}).Stat
}

// dataOf returns the data of an existing node as a string.
func dataOf(t *testing.T, s Session, path string) string {
	t.Helper()
	return string(ok(t, s, core.GetData{Path: path}).Data)
}

func absent(t *testing.T, s Session, path string) {
	t.Helper()
	call(t, s, core.Exists{Path: path}, core.CodeNoNode)
}

func childrenOf(t *testing.T, s Session, path string) []string {
	t.Helper()
	return ok(t, s, core.Children{Path: path}).Children
}

// sub joins names under the case's root.
func sub(env Env, names ...string) string {
	return env.Root() + "/" + strings.Join(names, "/")
}

func fired(typ core.WatchType, path string) core.WatchFired {
	return core.WatchFired{Type: typ, Path: path}
}

// expectWatches fails unless the events delivered to s since the last call
// are exactly want, in order.
func expectWatches(t *testing.T, s Session, want ...core.WatchFired) {
	t.Helper()
	got := s.Watches()
	if len(got) != len(want) || !slices.Equal(got, want) {
		t.Fatalf("watch events: got %v, want %v", got, want)
	}
}

// expectDead fails unless req on s reports the session gone. A real client
// may say SessionExpired or, once it has closed the connection,
// ConnectionLoss; either way nothing was applied.
func expectDead(t *testing.T, s Session, req core.Request) {
	t.Helper()
	r := s.Do(req)
	if r.Code != core.CodeSessionExpired && r.Code != core.CodeConnectionLoss {
		t.Fatalf("%s on an expired session: got %s, want SessionExpired or ConnectionLoss", req, r)
	}
}

// expectMultiCodes fails unless a multi's reply has code want overall and
// per-operation codes ops.
func expectMultiCodes(t *testing.T, r core.Reply, want core.Code, ops ...core.Code) {
	t.Helper()
	got := make([]core.Code, len(r.Multi))
	for i, m := range r.Multi {
		got[i] = m.Code
	}
	if r.Code != want || !slices.Equal(got, ops) {
		t.Fatalf("multi: got %s %v, want %s %v", r.Code, got, want, ops)
	}
}

// multiFailedAt returns the per-operation codes ZooKeeper reports for a multi
// of n operations whose operation at failed with code.
func multiFailedAt(n, at int, code core.Code) []core.Code {
	codes := make([]core.Code, n)
	for i := range codes {
		switch {
		case i < at:
			codes[i] = core.CodeOK
		case i == at:
			codes[i] = code
		default:
			codes[i] = core.CodeRuntimeInconsistency
		}
	}
	return codes
}

func persistent(path string) core.Create { return core.Create{Path: path, Mode: core.Persistent} }

func setAny(path, data string) core.SetData {
	return core.SetData{Path: path, Data: []byte(data), Version: core.AnyVersion}
}

func deleteAny(path string) core.Delete { return core.Delete{Path: path, Version: core.AnyVersion} }
