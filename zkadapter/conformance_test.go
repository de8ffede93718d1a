package zkadapter

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/sim/zkmodel/conformance"
)

// The conformance suite of sim/zkmodel runs here against a real ZooKeeper
// through Client, and against MemoryServer. The model passes it in
// sim/zkmodel/conformance; a case that passes there and fails here shows the
// model, the case or the adapter wrong.

// conformanceSessionTimeout is long enough that no case's session times out.
const conformanceSessionTimeout = 10 * time.Second

// caseSeq numbers the cases of this process; with the pid and the start time
// it makes each case's root unique on a shared server.
var (
	caseSeq   atomic.Int64
	runPrefix = fmt.Sprintf("/conformance-%d-%d", os.Getpid(), time.Now().UnixNano()%1_000_000_000)
)

func nextRoot() string { return fmt.Sprintf("%s-%d", runPrefix, caseSeq.Add(1)) }

// realEnv is a case's environment on a real ZooKeeper.
type realEnv struct {
	addr   string
	root   string
	secret []byte // every session's cluster secret; nil for none
}

type realSession struct {
	*session
	client *Client
}

func newRealEnv(t *testing.T, addr string, secret []byte) conformance.Env {
	e := &realEnv{addr: addr, root: nextRoot(), secret: secret}
	admin := e.open(t)
	if r := admin.Do(core.Create{Path: e.root}); r.Code != core.CodeOK {
		t.Fatalf("creating the case root %s: got %s, want OK", e.root, r)
	}
	// Cleanups run last-registered first: the case's sessions close, then
	// the admin removes the root.
	t.Cleanup(func() { removeTree(t, admin.session, e.root) })
	return e
}

func (e *realEnv) open(t *testing.T) *realSession {
	t.Helper()
	rec := newRecorder()
	c, err := New(Config{Servers: []string{e.addr}, SessionTimeout: conformanceSessionTimeout, Secret: e.secret}, rec.sink)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &realSession{session: openSession(t, c, rec), client: c}
}

func (e *realEnv) NewSession(t *testing.T) conformance.Session { return e.open(t) }

func (e *realEnv) Expire(t *testing.T, s conformance.Session) {
	rs := s.(*realSession)
	id, passwd := rs.client.sessionCredentials()
	expireSession(t, e.addr, id, passwd)
	// The client would open a new session by itself; the suite wants the
	// expired one unusable.
	rs.client.Close()
	rs.dead = true
}

func (e *realEnv) Root() string { return e.root }

// removeTree deletes path and everything under it, children first.
func removeTree(t *testing.T, s *session, path string) {
	r := s.Do(core.Children{Path: path})
	if r.Code == core.CodeNoNode {
		return
	}
	for _, c := range r.Children {
		removeTree(t, s, path+"/"+c)
	}
	if r := s.Do(core.Delete{Path: path, Version: core.AnyVersion}); r.Code != core.CodeOK && r.Code != core.CodeNoNode {
		t.Errorf("removing %s: got %s, want OK", path, r)
	}
}

func TestConformanceRealZooKeeper(t *testing.T) {
	addr := zkAddr(t)
	start := time.Now()
	conformance.Run(t, func(t *testing.T) conformance.Env { return newRealEnv(t, addr, nil) })
	t.Logf("%d cases against %s in %s", len(conformance.Cases()), addr, time.Since(start).Round(time.Millisecond))
}

// The same cases with every session authenticated by a cluster secret and
// every znode created under its digest ACL: the protection changes no
// semantics for the cluster's own daemons.
func TestConformanceRealZooKeeperWithSecret(t *testing.T) {
	addr := zkAddr(t)
	conformance.Run(t, func(t *testing.T) conformance.Env { return newRealEnv(t, addr, []byte(testSecret)) })
}

// memoryEnv is a case's environment on a MemoryServer of its own.
type memoryEnv struct {
	srv  *MemoryServer
	root string
}

type memorySession struct {
	*session
	client *MemoryClient
}

func newMemoryEnv(t *testing.T) conformance.Env {
	e := &memoryEnv{srv: NewMemoryServer(), root: "/conformance-1"}
	admin := e.open(t)
	if r := admin.Do(core.Create{Path: e.root}); r.Code != core.CodeOK {
		t.Fatalf("creating the case root: got %s, want OK", r)
	}
	return e
}

func (e *memoryEnv) open(t *testing.T) *memorySession {
	t.Helper()
	rec := newRecorder()
	c := e.srv.Connect(conformanceSessionTimeout, rec.sink)
	t.Cleanup(func() { c.Close() })
	return &memorySession{session: openSession(t, c, rec), client: c}
}

func (e *memoryEnv) NewSession(t *testing.T) conformance.Session { return e.open(t) }

func (e *memoryEnv) Expire(t *testing.T, s conformance.Session) {
	ms := s.(*memorySession)
	ms.client.Close()
	ms.dead = true
}

func (e *memoryEnv) Root() string { return e.root }

func TestConformanceMemory(t *testing.T) {
	conformance.Run(t, newMemoryEnv)
}
