package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// sessionTimeout is the default ZooKeeper session timeout the tests rely on.
const sessionTimeout = 4 * time.Second

func TestZKConfigDefaults(t *testing.T) {
	w := New(Config{Seed: 1})
	if got := w.cfg.ZK.SessionTimeout; got != sessionTimeout {
		t.Errorf("default session timeout: got %s, want %s", got, sessionTimeout)
	}
}

func TestZKSessionConnects(t *testing.T) {
	w := New(Config{Seed: 21})
	a := zkNode(w, "a", nil)
	b := zkNode(w, "b", nil)
	run(t, w, ms(100))
	ids := map[core.SessionID]core.NodeID{}
	for _, tn := range []*testNode{a, b} {
		scs := tn.r().sessions()
		if len(scs) != 1 || scs[0].State != core.Connected || scs[0].Session == 0 {
			t.Fatalf("%s: got session events %v, want one Connected with a session id", tn.n.ID(), scs)
		}
		id := scs[0].Session
		if tn.n.Session() != id {
			t.Errorf("%s: Node.Session() %#x, want %#x", tn.n.ID(), tn.n.Session(), id)
		}
		if got := w.SessionNode(id); got != tn.n.ID() {
			t.Errorf("SessionNode(%#x): got %q, want %q", id, got, tn.n.ID())
		}
		if !w.ZK().Alive(id) {
			t.Errorf("%s: session %#x not alive at the server", tn.n.ID(), id)
		}
		if prev, dup := ids[id]; dup {
			t.Errorf("%s and %s share session %#x", prev, tn.n.ID(), id)
		}
		ids[id] = tn.n.ID()
	}
}

func TestZKRoundTrip(t *testing.T) {
	seq0 := "/a/s-0000000000"
	cases := []struct {
		req  core.Request
		code core.Code
		want string // a substring of the reply's String, or ""
	}{
		{core.Create{Path: "/a", Data: []byte("x")}, core.CodeOK, "path=/a"},
		{core.GetData{Path: "/a"}, core.CodeOK, `data="x" v=0`},
		{core.Create{Path: "/a"}, core.CodeNodeExists, ""},
		{core.Exists{Path: "/nope"}, core.CodeNoNode, ""},
		{core.Create{Path: "/a/s-", Mode: core.PersistentSequential}, core.CodeOK, "path=" + seq0},
		{core.Children{Path: "/a"}, core.CodeOK, "children=[s-0000000000]"},
		{core.SetData{Path: "/a", Data: []byte("y"), Version: 0}, core.CodeOK, "v=1"},
		{core.SetData{Path: "/a", Data: []byte("z"), Version: 0}, core.CodeBadVersion, ""},
		{core.GetData{Path: "/a"}, core.CodeOK, `data="y" v=1`},
		{core.Delete{Path: "/a", Version: core.AnyVersion}, core.CodeNotEmpty, ""},
		{core.Delete{Path: seq0, Version: core.AnyVersion}, core.CodeOK, ""},
		{core.Delete{Path: "/a", Version: 1}, core.CodeOK, ""},
		{core.GetData{Path: "/a"}, core.CodeNoNode, ""},
	}
	w := New(Config{Seed: 22})
	a := zkNode(w, "a", onConnectedOnce(func(r *recorder) {
		for _, c := range cases {
			r.coord(c.req)
		}
	}))
	run(t, w, ms(200))
	results := a.r().results()
	if len(results) != len(cases) {
		t.Fatalf("got %d results, want %d: %v", len(results), len(cases), results)
	}
	for i, c := range cases {
		res := results[i]
		if want := core.OpID(i + 1); res.Op != want {
			t.Errorf("result %d: op %d, want %d (results in request order)", i, res.Op, want)
		}
		if res.Reply.Code != c.code || !strings.Contains(res.Reply.String(), c.want) {
			t.Errorf("%s: got %s, want %s with %q", c.req, res.Reply, c.code, c.want)
		}
	}
	if _, _, ok := w.ZK().Lookup("/a"); ok {
		t.Error("/a still at the server, want deleted")
	}
}

// TestZKResultsInRequestOrder pipelines requests over many ticks on a jittery
// network; results must come back in the order they were issued.
func TestZKResultsInRequestOrder(t *testing.T) {
	w := New(Config{Seed: 23, Net: NetConfig{LatencyMin: time.Millisecond, LatencyMax: 20 * time.Millisecond}})
	issued := 0
	a := zkNode(w, "a", func(r *recorder, ev core.Event) {
		if _, ok := ev.(core.Tick); ok && r.w.Now() > ms(50) && issued < 200 {
			for range 5 {
				issued++
				r.coord(core.Create{Path: fmt.Sprintf("/n%d", issued), Mode: core.Persistent})
			}
		}
	})
	run(t, w, ms(400))
	results := a.r().results()
	if len(results) != 200 {
		t.Fatalf("got %d results, want 200", len(results))
	}
	for i, res := range results {
		if res.Op != core.OpID(i+1) || res.Reply.Code != core.CodeOK {
			t.Fatalf("result %d: op %d %s, want op %d OK", i, res.Op, res.Reply, i+1)
		}
	}
}

// zkEventLine prints a machine's ZooKeeper-facing event compactly for
// sequence comparisons.
func zkEventLine(ev core.Event) string {
	switch e := ev.(type) {
	case core.CoordResult:
		return fmt.Sprintf("result %d %s", e.Op, e.Reply.Code)
	case core.WatchFired:
		return "watch " + e.Type.String() + " " + e.Path
	case core.SessionChanged:
		return e.State.String()
	}
	return ""
}

func zkEventLines(r *recorder) []string {
	var out []string
	for _, s := range r.seen {
		if line := zkEventLine(s.ev); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func TestZKWatchFires(t *testing.T) {
	w := New(Config{Seed: 24})
	a := zkNode(w, "a", onConnectedOnce(func(r *recorder) {
		r.coord(core.Create{Path: "/w"})                               // 1
		r.coord(core.GetData{Path: "/w", Watch: true})                 // 2
		r.coord(core.SetData{Path: "/w", Version: core.AnyVersion})    // 3: fires the data watch
		r.coord(core.SetData{Path: "/w", Version: core.AnyVersion})    // 4: one-shot, nothing
		r.coord(core.Exists{Path: "/later", Watch: true})              // 5
		r.coord(core.Children{Path: "/w", Watch: true})                // 6
		r.coord(core.Create{Path: "/w/c"})                             // 7: fires the child watch
		r.coord(core.Create{Path: "/later"})                           // 8: fires the exists watch
		r.coord(core.Delete{Path: "/later", Version: core.AnyVersion}) // 9: nothing left to fire
	}))
	run(t, w, ms(200))
	// ZooKeeper's guarantee: a client sees a watch event before the reply of
	// the change that fired it.
	want := []string{
		"Connected",
		"result 1 OK", "result 2 OK",
		"watch NodeDataChanged /w", "result 3 OK", "result 4 OK",
		"result 5 NoNode", "result 6 OK",
		"watch NodeChildrenChanged /w", "result 7 OK",
		"watch NodeCreated /later", "result 8 OK",
		"result 9 OK",
	}
	if got := zkEventLines(a.r()); !slices.Equal(got, want) {
		t.Errorf("events:\ngot  %q\nwant %q", got, want)
	}
}

// partitionRun is one node "a" with a ZooKeeper session that:
//   - creates the ephemeral /eph-a when first connected;
//   - with probe, reads 50ms before the partition, so that the server and the
//     client have just heard from each other (without, they last heard from
//     each other at the last ping, up to a third of the timeout before);
//   - right after the partition begins, issues a Create that is in flight when
//     the connection is lost;
//   - on hearing Disconnected, issues a Create that must wait for a connection.
type partitionRun struct {
	w                  *World
	a                  *testNode
	cutAt, healAt      core.Time
	probeOp, inflight  core.OpID
	queued             core.OpID
	probeAt, probeBack core.Time
}

func newPartitionRun(seed uint64, cutAt core.Time, d time.Duration, probe bool) *partitionRun {
	p := &partitionRun{w: New(Config{Seed: seed}), cutAt: cutAt, healAt: cutAt.Add(d)}
	p.probeAt = cutAt.Add(-50 * time.Millisecond)
	connected := false
	p.a = zkNode(p.w, "a", func(r *recorder, ev core.Event) {
		switch ev := ev.(type) {
		case core.SessionChanged:
			if ev.State == core.Connected && !connected {
				connected = true
				r.coord(core.Create{Path: "/eph-a", Mode: core.Ephemeral})
			}
			if ev.State == core.Disconnected && p.queued == 0 {
				p.queued = r.coord(core.Create{Path: "/queued"})
			}
		case core.CoordResult:
			if ev.Op == p.probeOp && p.probeOp != 0 {
				p.probeBack = r.w.Now()
			}
		}
	})
	if probe {
		p.w.At(p.probeAt, "probe", func() { p.probeOp = p.a.r().coord(core.GetData{Path: "/eph-a"}) })
	}
	p.w.At(cutAt, "cut", func() {
		p.w.Net().Partition(p.a.n.Endpoint(), ZKEndpoint)
		p.inflight = p.a.r().coord(core.Create{Path: "/inflight"})
	})
	p.w.At(p.healAt, "heal", func() { p.w.Net().Heal(p.a.n.Endpoint(), ZKEndpoint) })
	return p
}

// TestZKDisconnectDetectedAfterTwoThirdsTimeout: a client declares its
// connection lost when it has heard nothing for two thirds of the session
// timeout (go-zookeeper's recvTimeout), not up to a whole timeout later,
// which would leave it no time to reconnect before the server expires the
// session.
func TestZKDisconnectDetectedAfterTwoThirdsTimeout(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		cutAt := ms(3000 + float64(seed)*97)
		p := newPartitionRun(seed, cutAt, 10*time.Second, true)
		run(t, p.w, cutAt.Add(5*time.Second))
		r := p.a.r()
		var disc core.Time
		for i, sc := range r.sessions() {
			if sc.State == core.Disconnected {
				disc = r.sessionTimes()[i]
				break
			}
		}
		if p.probeBack == 0 || disc == 0 {
			t.Fatalf("seed %d: probe reply at %s, Disconnected at %s; want both", seed, p.probeBack, disc)
		}
		// Nothing was heard after cutAt; the probe's reply was heard.
		lo := p.probeBack.Add(sessionTimeout * 2 / 3)
		hi := cutAt.Add(sessionTimeout*2/3 + 5*time.Millisecond)
		if disc < lo || disc > hi {
			t.Errorf("seed %d: Disconnected at %s (cut at %s, last reply at %s), want within [%s, %s]",
				seed, disc, cutAt, p.probeBack, lo, hi)
		}
	}
}

// TestZKShortPartitionKeepsSession: a partition shorter than the session
// timeout gives Disconnected, then Connected on the same session; the
// ephemeral survives; the request in flight fails with ConnectionLoss and the
// one issued while disconnected runs after the reconnect.
func TestZKShortPartitionKeepsSession(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		cutAt := ms(3000 + float64(seed)*97)
		p := newPartitionRun(seed, cutAt, time.Second, false)
		run(t, p.w, cutAt.Add(6*time.Second))
		r := p.a.r()
		scs := r.sessions()
		if got := states(scs); got != "Connected Disconnected Connected" {
			t.Errorf("seed %d: session states %q, want \"Connected Disconnected Connected\"", seed, got)
			continue
		}
		s := scs[0].Session
		if scs[1].Session != s || scs[2].Session != s {
			t.Errorf("seed %d: sessions %#x %#x %#x, want the same one throughout", seed, scs[0].Session, scs[1].Session, scs[2].Session)
		}
		times := r.sessionTimes()
		if times[1] <= cutAt || times[2] < p.healAt {
			t.Errorf("seed %d: Disconnected at %s, Connected at %s; want after the cut (%s) and the heal (%s)",
				seed, times[1], times[2], cutAt, p.healAt)
		}
		if _, stat, ok := p.w.ZK().Lookup("/eph-a"); !ok || stat.EphemeralOwner != s {
			t.Errorf("seed %d: /eph-a exists %t owner %#x, want it kept for session %#x", seed, ok, stat.EphemeralOwner, s)
		}
		checkInflightAndQueued(t, seed, p, times[1], times[2])
	}
}

// checkInflightAndQueued: the request in flight at the cut failed with
// ConnectionLoss no later than Disconnected and was not applied; the request
// issued while disconnected was applied after the reconnect.
func checkInflightAndQueued(t *testing.T, seed uint64, p *partitionRun, disconnected, connected core.Time) {
	t.Helper()
	r := p.a.r()
	reply, at, ok := r.result(p.inflight)
	if !ok || reply.Code != core.CodeConnectionLoss || at > disconnected {
		t.Errorf("seed %d: in-flight request: got %s at %s (found %t), want ConnectionLoss by Disconnected at %s",
			seed, reply, at, ok, disconnected)
	}
	if _, _, ok := p.w.ZK().Lookup("/inflight"); ok {
		t.Errorf("seed %d: /inflight exists, want it never to have reached the server", seed)
	}
	reply, at, ok = r.result(p.queued)
	if p.queued == 0 || !ok || reply.Code != core.CodeOK || at <= connected {
		t.Errorf("seed %d: queued request op %d: got %s at %s (found %t), want OK after Connected at %s",
			seed, p.queued, reply, at, ok, connected)
	}
	if _, _, ok := p.w.ZK().Lookup("/queued"); !ok {
		t.Errorf("seed %d: /queued missing at the server", seed)
	}
}

// TestZKLongPartitionExpires: a partition longer than the session timeout
// lets the server expire the session and delete its ephemeral while the node
// is still cut off; after the heal the client hears Expired, then Connected
// on a new session.
func TestZKLongPartitionExpires(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		cutAt := ms(3000 + float64(seed)*97)
		p := newPartitionRun(seed, cutAt, 6*time.Second, false)
		var old core.SessionID
		var ephDuring, aliveDuring bool
		p.w.At(cutAt.Add(5*time.Second), "look", func() {
			old = p.a.n.Session()
			_, _, ephDuring = p.w.ZK().Lookup("/eph-a")
			aliveDuring = p.w.ZK().Alive(old)
		})
		run(t, p.w, cutAt.Add(9*time.Second))
		if ephDuring || aliveDuring {
			t.Errorf("seed %d: 5s into the partition: /eph-a exists %t, session alive %t; want both gone", seed, ephDuring, aliveDuring)
		}
		r := p.a.r()
		scs := r.sessions()
		if got := states(scs); got != "Connected Disconnected Expired Connected" {
			t.Errorf("seed %d: session states %q, want \"Connected Disconnected Expired Connected\"", seed, got)
			continue
		}
		if scs[0].Session != old || scs[1].Session != old || scs[2].Session != old {
			t.Errorf("seed %d: sessions %v, want the first three on %#x", seed, scs, old)
		}
		fresh := scs[3].Session
		if fresh == 0 || fresh == old || p.a.n.Session() != fresh {
			t.Errorf("seed %d: new session %#x (node says %#x), want a fresh non-zero id, not %#x", seed, fresh, p.a.n.Session(), old)
		}
		if times := r.sessionTimes(); times[2] < p.healAt {
			t.Errorf("seed %d: Expired at %s, want after the heal at %s (the client learns it from the server)", seed, times[2], p.healAt)
		}
		if _, _, ok := p.w.ZK().Lookup("/eph-a"); ok {
			t.Errorf("seed %d: /eph-a back after the expiry", seed)
		}
		if got := p.w.SessionNode(fresh); got != "a" {
			t.Errorf("seed %d: SessionNode(new) %q, want a", seed, got)
		}
		checkInflightAndQueued(t, seed, p, r.sessionTimes()[1], r.sessionTimes()[3])
	}
}
