package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/storage/artifact"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// deadAddress is a loopback address where nothing listens.
func deadAddress(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func writeProgram(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "topology")
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientCalls(t *testing.T) {
	ctx := testContext(t)
	n := startNimbus(t, ServerConfig{})
	n.fake.addTopology("wc")
	c := NewClient([]string{n.host}, nil)

	cl, err := c.Cluster(ctx)
	if err != nil || cl.SlotsFree != 6 || cl.Supervisors != 2 {
		t.Errorf("Cluster: got %+v, %v; want 2 supervisors, 6 free slots", cl, err)
	}
	sups, err := c.Supervisors(ctx)
	if err != nil || len(sups) != 2 || sups[0].ID != "s1" {
		t.Errorf("Supervisors: got %+v, %v; want s1, s2", sups, err)
	}
	nims, err := c.Nimbuses(ctx)
	if err != nil || len(nims) != 1 || string(nims[0].Address) != n.host {
		t.Errorf("Nimbuses: got %+v, %v; want the leader %s", nims, err, n.host)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "wc" {
		t.Errorf("List: got %+v, %v; want wc", list, err)
	}
	st, err := c.Status(ctx, "wc", WindowLast10m)
	if err != nil || st.Window != WindowLast10m || len(st.Spouts) != 1 || st.Spouts[0].Emitted != 20 || len(st.Bolts) != 1 {
		t.Errorf("Status 600: got %+v, %v; want spout split with 20 emitted over 600 s, 1 bolt", st, err)
	}
	comp, err := c.Component(ctx, "wc", "count", "")
	if err != nil || len(comp.BoltStats) != 4 || comp.BoltStats[3].Executed != 100 || comp.Window != WindowAllTime {
		t.Errorf("Component: got %+v, %v; want 100 executed over all time", comp, err)
	}
	for _, step := range []struct {
		name string
		call func() (TopologySummary, error)
		want string
	}{
		{"Deactivate", func() (TopologySummary, error) { return c.Deactivate(ctx, "wc") }, protocol.StatusInactive},
		{"Activate", func() (TopologySummary, error) { return c.Activate(ctx, "wc") }, protocol.StatusActive},
		{"Rebalance", func() (TopologySummary, error) {
			return c.Rebalance(ctx, "wc", 1500*time.Millisecond, 3, map[string]int{"count": 1})
		}, protocol.StatusRebalancing},
		{"Kill", func() (TopologySummary, error) { return c.Kill(ctx, "wc", 0) }, protocol.StatusKilled},
	} {
		got, err := step.call()
		if err != nil || got.Status != step.want {
			t.Errorf("%s: got %+v, %v; want status %s", step.name, got, err, step.want)
		}
	}
	for _, r := range n.fake.seen() {
		if r.Op == protocol.OpRebalance && (r.Wait != 2*time.Second || r.Workers != 3 || r.Parallelism["count"] != 1) {
			t.Errorf("rebalance request: got %+v, want wait rounded up to 2s, 3 workers, count=1", r)
		}
	}
}

func TestClientErrorsCarryTheMessage(t *testing.T) {
	ctx := testContext(t)
	n := startNimbus(t, ServerConfig{})
	c := NewClient([]string{n.host}, nil)
	_, err := c.Kill(ctx, "nope", time.Second)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusNotFound || e.Message != `nimbus: kill: unknown topology "nope"` {
		t.Fatalf("Kill of an unknown topology: got %v, want a 404 *Error with nimbus's message", err)
	}
	if _, err := c.Status(ctx, "nope", "1h"); !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		t.Errorf("Status with a bad window: got %v, want 400", err)
	}
}

// A negative wait is refused before anything is sent: taken for zero, it
// would kill at once a topology the caller meant to drain.
func TestClientRefusesNegativeWait(t *testing.T) {
	ctx := testContext(t)
	n := startNimbus(t, ServerConfig{})
	c := NewClient([]string{n.host}, nil)
	if _, err := c.Kill(ctx, "wc", -5*time.Second); !errors.Is(err, ErrNegativeWait) {
		t.Errorf("Kill with wait -5s: got %v, want ErrNegativeWait", err)
	}
	if _, err := c.Rebalance(ctx, "wc", -time.Second, 2, nil); !errors.Is(err, ErrNegativeWait) {
		t.Errorf("Rebalance with wait -1s: got %v, want ErrNegativeWait", err)
	}
	if seen := n.fake.seen(); len(seen) != 0 {
		t.Errorf("requests reaching nimbus: got %+v, want none", seen)
	}
}

func TestClientSubmitUploadsOnce(t *testing.T) {
	ctx := testContext(t)
	n := startNimbus(t, ServerConfig{RequireArtifact: true})
	c := NewClient([]string{n.host}, nil)
	path := writeProgram(t, "#!/bin/sh\necho program\n")
	d := sha("#!/bin/sh\necho program\n")
	got, err := c.Submit(ctx, "wc", []byte(`{"name":"wc"}`), path)
	if err != nil || got.Artifact != d || got.Status != protocol.StatusActive {
		t.Fatalf("Submit: got %+v, %v; want active with artifact %s", got, err, d)
	}
	if !n.store.Has(d) {
		t.Fatalf("nimbus store after Submit: got no %s, want it", d)
	}
	// The second submit finds the artifact there and does not upload it.
	before, _ := os.Stat(filepath.Join(n.store.Dir(), d))
	if _, err := c.Submit(ctx, "wc2", []byte(`{"name":"wc2"}`), path); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(filepath.Join(n.store.Dir(), d))
	if !os.SameFile(before, after) {
		t.Errorf("artifact file replaced by the second submit, want it untouched")
	}
	_, err = c.Submit(ctx, "wc", []byte(`{"name":"wc"}`), path)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusConflict {
		t.Errorf("Submit of an existing name: got %v, want 409", err)
	}
	if _, err := c.Submit(ctx, "x", []byte(`{}`), filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Errorf("Submit of an absent file: got nil error, want one")
	}
}

func TestClientFollowsLeader(t *testing.T) {
	ctx := testContext(t)
	leader := startNimbus(t, ServerConfig{})
	follower := startNimbus(t, ServerConfig{})
	follower.follow(leader.host)
	leader.fake.addTopology("wc")
	c := NewClient([]string{follower.host}, nil)

	path := writeProgram(t, "program")
	if _, err := c.Submit(ctx, "new", []byte(`{"name":"new"}`), path); err != nil {
		t.Fatalf("Submit through a follower: %v", err)
	}
	if !leader.store.Has(sha("program")) || follower.store.Has(sha("program")) {
		t.Errorf("after Submit through a follower: leader has it %v, follower %v; want true, false",
			leader.store.Has(sha("program")), follower.store.Has(sha("program")))
	}
	// Fresh clients, which do not know the leader yet, are redirected.
	got, err := NewClient([]string{follower.host}, nil).Rebalance(ctx, "wc", 0, 5, nil) // a POST with a body
	if err != nil || got.WorkersTotal != 5 {
		t.Errorf("Rebalance through a follower: got %+v, %v; want 5 workers", got, err)
	}
	if _, err := NewClient([]string{follower.host}, nil).Kill(ctx, "wc", time.Second); err != nil {
		t.Errorf("Kill through a follower: %v", err)
	}
	if got := leader.fake.topos["wc"].Status; got != protocol.StatusKilled {
		t.Errorf("wc after Kill through a follower: got %s, want %s", got, protocol.StatusKilled)
	}
	// The client now goes to the leader directly.
	followerCalls := len(follower.fake.seen())
	if _, err := c.List(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(follower.fake.seen()); got != followerCalls {
		t.Errorf("follower requests after the leader answered: got %d more, want 0", got-followerCalls)
	}
}

func TestClientTriesNextNimbus(t *testing.T) {
	ctx := testContext(t)
	electing := startNimbus(t, ServerConfig{})
	electing.follow("") // no leader known: 503
	leader := startNimbus(t, ServerConfig{})
	leader.fake.addTopology("wc")
	c := NewClient([]string{deadAddress(t), electing.host, leader.host}, nil)
	c.backoffMin = time.Millisecond
	if _, err := c.Kill(ctx, "wc", 0); err != nil { // not idempotent: retried after a refused dial only
		t.Fatalf("Kill past a dead and an electing nimbus: %v", err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 1 {
		t.Errorf("List: got %v, %v; want wc", list, err)
	}
}

func TestClientAttemptsBounded(t *testing.T) {
	ctx := testContext(t)
	var hits atomic.Int64
	electing := startNimbus(t, ServerConfig{})
	electing.follow("")
	counting := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		hits.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := NewClient([]string{deadAddress(t), electing.host}, counting) // the last attempt goes to electing
	c.backoffMin = time.Millisecond
	_, err := c.List(ctx)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeNotLeader {
		t.Fatalf("List with no leader: got %v, want the last 503 not_leader error", err)
	}
	if got := hits.Load(); got != AttemptsMax {
		t.Errorf("requests: got %d, want AttemptsMax = %d", got, AttemptsMax)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClientDownload(t *testing.T) {
	ctx := testContext(t)
	empty := startNimbus(t, ServerConfig{})
	holder := startNimbus(t, ServerConfig{})
	holder.follow("elsewhere:1") // a follower serves its artifacts all the same
	d, err := holder.store.Put(strings.NewReader("worker program"), "")
	if err != nil {
		t.Fatal(err)
	}
	local, err := artifact.Open(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient([]string{empty.host, holder.host}, nil)
	if err := c.Download(ctx, d, local); err != nil {
		t.Fatalf("Download: %v", err)
	}
	if err := local.Verify(d); err != nil {
		t.Errorf("downloaded artifact: got %v, want it verified", err)
	}
	if err := c.Download(ctx, sha("nobody has it"), local); !errors.Is(err, artifact.ErrNotFound) {
		t.Errorf("Download of an artifact nobody holds: got %v, want ErrNotFound", err)
	}
}

func TestClientUploadLimit(t *testing.T) {
	ctx := testContext(t)
	n := startNimbus(t, ServerConfig{UploadBytesMax: 10})
	c := NewClient([]string{n.host}, nil)
	_, err := c.Upload(ctx, writeProgram(t, strings.Repeat("x", 100)))
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusRequestEntityTooLarge || !strings.Contains(e.Message, "limit of 10") {
		t.Fatalf("Upload of 100 bytes, limit 10: got %v, want 413 naming the limit", err)
	}
	d, err := c.Upload(ctx, writeProgram(t, "small"))
	if err != nil || d != sha("small") || !n.store.Has(d) {
		t.Errorf("Upload of 5 bytes: got %q, %v; want %s stored", d, err, sha("small"))
	}
}
