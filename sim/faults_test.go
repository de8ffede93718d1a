package sim

import (
	"slices"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// TestZKLostReply: with every reply lost, a Create is applied at the server
// but the client sees ConnectionLoss (outcome unknown); the connection drops
// and the client reconnects on the same session.
func TestZKLostReply(t *testing.T) {
	w := New(Config{Seed: 31})
	var create, read core.OpID
	connects := 0
	a := zkNode(w, "a", func(r *recorder, ev core.Event) {
		switch ev := ev.(type) {
		case core.SessionChanged:
			if ev.State != core.Connected {
				return
			}
			connects++
			switch connects {
			case 1:
				w.SetLostReplyRate(1)
				create = r.coord(core.Create{Path: "/lost", Data: []byte("v")})
			case 2:
				read = r.coord(core.GetData{Path: "/lost"})
			}
		case core.CoordResult:
			if ev.Op == create {
				w.SetLostReplyRate(0)
			}
		}
	})
	run(t, w, ms(1000))
	r := a.r()
	if reply, _, ok := r.result(create); !ok || reply.Code != core.CodeConnectionLoss {
		t.Errorf("create with its reply lost: got %s (found %t), want ConnectionLoss", reply, ok)
	}
	if data, _, ok := w.ZK().Lookup("/lost"); !ok || string(data) != "v" {
		t.Errorf("/lost at the server: exists %t data %q, want applied with data v", ok, data)
	}
	if reply, _, ok := r.result(read); !ok || reply.Code != core.CodeOK || string(reply.Data) != "v" {
		t.Errorf("read after the reconnect: got %s (found %t), want OK data v", reply, ok)
	}
	scs := r.sessions()
	if got := states(scs); got != "Connected Disconnected Connected" || scs[2].Session != scs[0].Session {
		t.Errorf("sessions: got %v, want Connected Disconnected Connected on one session", scs)
	}
	if w.zk.LostReplies != 1 {
		t.Errorf("LostReplies: got %d, want 1", w.zk.LostReplies)
	}
}

// TestZKOutage: a whole-ensemble outage longer than the session timeout
// disconnects every client but expires no session: when the ensemble comes
// back every session's timer restarts and the clients reconnect on their
// sessions. A request made during the outage waits and runs after it.
func TestZKOutage(t *testing.T) {
	const outageAt, outageFor = 2000, 6 * time.Second // ms, 1.5 session timeouts
	w := New(Config{Seed: 32})
	var during core.OpID
	nodes := make([]*testNode, 3)
	for i, id := range []string{"a", "b", "c"} {
		nodes[i] = zkNode(w, id, onConnectedOnce(func(r *recorder) {
			r.coord(core.Create{Path: "/eph-" + id, Mode: core.Ephemeral})
		}))
	}
	w.At(ms(outageAt), "outage", func() { w.ZKOutage(outageFor) })
	w.At(ms(outageAt+1000), "request", func() { during = nodes[0].r().coord(core.Create{Path: "/during"}) })
	recovered := ms(outageAt).Add(outageFor)
	run(t, w, recovered.Add(3*time.Second))
	for _, tn := range nodes {
		scs := tn.r().sessions()
		times := tn.r().sessionTimes()
		if got := states(scs); got != "Connected Disconnected Connected" {
			t.Errorf("%s: session states %q, want \"Connected Disconnected Connected\"", tn.n.ID(), got)
			continue
		}
		if scs[2].Session != scs[0].Session {
			t.Errorf("%s: reconnected on %#x, want the same session %#x", tn.n.ID(), scs[2].Session, scs[0].Session)
		}
		if times[1] != ms(outageAt) || times[2] < recovered || times[2] > recovered.Add(300*time.Millisecond) {
			t.Errorf("%s: Disconnected at %s, Connected at %s; want at the outage (%s) and soon after the recovery (%s)",
				tn.n.ID(), times[1], times[2], ms(outageAt), recovered)
		}
		if _, _, ok := w.ZK().Lookup("/eph-" + string(tn.n.ID())); !ok {
			t.Errorf("%s: its ephemeral is gone, want it kept", tn.n.ID())
		}
	}
	if reply, at, ok := nodes[0].r().result(during); !ok || reply.Code != core.CodeOK || at < recovered {
		t.Errorf("request made during the outage: got %s at %s (found %t), want OK after %s", reply, at, ok, recovered)
	}
	if w.zk.Expirations != 0 {
		t.Errorf("Expirations: got %d, want 0", w.zk.Expirations)
	}
}

func TestZKExpireSession(t *testing.T) {
	w := New(Config{Seed: 33})
	a := zkNode(w, "a", onConnectedOnce(func(r *recorder) {
		r.coord(core.Create{Path: "/eph", Mode: core.Ephemeral})
	}))
	var old core.SessionID
	w.At(ms(1000), "expire", func() {
		old = a.n.Session()
		w.ExpireSession(a.n)
		if w.ZK().Alive(old) {
			t.Error("right after ExpireSession: session alive at the server")
		}
		if _, _, ok := w.ZK().Lookup("/eph"); ok {
			t.Error("right after ExpireSession: /eph exists, want deleted with the session")
		}
	})
	run(t, w, ms(2000))
	scs := a.r().sessions()
	if got := states(scs); got != "Connected Expired Connected" {
		t.Fatalf("session states %q, want \"Connected Expired Connected\"", got)
	}
	if scs[0].Session != old || scs[1].Session != old || scs[2].Session == old || scs[2].Session == 0 {
		t.Errorf("sessions %v, want Connected and Expired on %#x, then a new one", scs, old)
	}
	if at := a.r().sessionTimes()[1]; at > ms(1010) {
		t.Errorf("Expired at %s, want within a round trip of 1.000s", at)
	}
	if w.zk.Expirations != 1 {
		t.Errorf("Expirations: got %d, want 1", w.zk.Expirations)
	}
}

// TestZKCrashLeavesSessionUntilTimeout: a crashed node's session lives on at
// the server until the timeout passes with nothing heard; then its ephemeral
// vanishes and the watchers hear of it. A restart in between opens a new
// session beside the old one.
func TestZKCrashLeavesSessionUntilTimeout(t *testing.T) {
	const crashAt, restartAt = 1000, 2000 // ms
	w := New(Config{Seed: 34})
	a := zkNode(w, "a", onConnectedOnce(func(r *recorder) {
		r.coord(core.Create{Path: "/eph-a", Mode: core.Ephemeral})
	}))
	b := zkNode(w, "b", nil)
	w.At(ms(500), "watch", func() { b.r().coord(core.Exists{Path: "/eph-a", Watch: true}) })
	var old core.SessionID
	w.At(ms(crashAt), "crash", func() { old = a.n.Session(); w.Crash(a.n) })
	w.At(ms(restartAt), "restart", func() { w.Restart(a.n) })
	var aliveAt3s, ephAt3s bool
	w.At(ms(3000), "look", func() {
		aliveAt3s = w.ZK().Alive(old)
		_, _, ephAt3s = w.ZK().Lookup("/eph-a")
	})
	run(t, w, ms(6000))
	if old == 0 || !aliveAt3s || !ephAt3s {
		t.Errorf("2s after the crash: session %#x alive %t, /eph-a exists %t; want both kept", old, aliveAt3s, ephAt3s)
	}
	if w.ZK().Alive(old) {
		t.Errorf("5s after the crash: session %#x alive, want expired", old)
	}
	if _, _, ok := w.ZK().Lookup("/eph-a"); ok {
		t.Error("5s after the crash: /eph-a exists, want deleted with the session")
	}
	var fired core.Time
	for _, s := range b.r().seen {
		if wf, ok := s.ev.(core.WatchFired); ok && wf == (core.WatchFired{Type: core.NodeDeleted, Path: "/eph-a"}) {
			fired = s.at
		}
	}
	// The server last heard from the session within a third of the timeout
	// before the crash, and checks expiry every TickPeriod.
	lo := ms(crashAt).Add(sessionTimeout * 2 / 3)
	hi := ms(crashAt).Add(sessionTimeout + 250*time.Millisecond)
	if fired < lo || fired > hi {
		t.Errorf("watcher heard NodeDeleted /eph-a at %s, want within [%s, %s]", fired, lo, hi)
	}
	if len(a.incs) != 2 {
		t.Fatalf("New called %d times, want 2", len(a.incs))
	}
	scs := a.r().sessions()
	if len(scs) != 1 || scs[0].State != core.Connected || scs[0].Session == old {
		t.Errorf("restarted node: sessions %v, want one Connected on a new session (old %#x)", scs, old)
	}
}

// TestZKOnApplySeesEachRequest: the hook sees every request the ensemble
// executes, in order, with the session, node and reply the client got.
func TestZKOnApplySeesEachRequest(t *testing.T) {
	w := New(Config{Seed: 35})
	var applied []Applied
	w.OnZKApply(func(a Applied) { applied = append(applied, a) })
	reqs := []core.Request{
		core.Create{Path: "/x", Data: []byte("1")},
		core.SetData{Path: "/x", Data: []byte("2"), Version: 0},
		core.GetData{Path: "/x"},
		core.Create{Path: "/x"},
		core.Multi{Ops: []core.Request{core.Check{Path: "/x", Version: 1}, core.Delete{Path: "/x", Version: 1}}},
	}
	a := zkNode(w, "a", onConnectedOnce(func(r *recorder) {
		for _, req := range reqs {
			r.coord(req)
		}
	}))
	run(t, w, ms(500))
	results := a.r().results()
	if len(applied) != len(reqs) || len(results) != len(reqs) {
		t.Fatalf("applied %d, results %d, want %d each", len(applied), len(results), len(reqs))
	}
	for i, ap := range applied {
		if ap.Node != "a" || ap.Session != a.n.Session() {
			t.Errorf("applied %d: node %q session %#x, want a %#x", i, ap.Node, ap.Session, a.n.Session())
		}
		if ap.Req.String() != reqs[i].String() {
			t.Errorf("applied %d: request %s, want %s", i, ap.Req, reqs[i])
		}
		if ap.Reply.String() != results[i].Reply.String() {
			t.Errorf("applied %d: reply %s, client got %s", i, ap.Reply, results[i].Reply)
		}
	}
	codes := make([]core.Code, len(applied))
	for i, ap := range applied {
		codes[i] = ap.Reply.Code
	}
	if want := []core.Code{core.CodeOK, core.CodeOK, core.CodeOK, core.CodeNodeExists, core.CodeOK}; !slices.Equal(codes, want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
}

// TestZKPauseBeyondTimeout: a process paused (a long GC) for longer than its
// session timeout sees nothing during the pause, then learns its session
// expired and gets a new one; its ephemeral is gone.
func TestZKPauseBeyondTimeout(t *testing.T) {
	w := New(Config{Seed: 36})
	a := zkNode(w, "a", onConnectedOnce(func(r *recorder) {
		r.coord(core.Create{Path: "/eph", Mode: core.Ephemeral})
	}))
	w.At(ms(1000), "pause", func() { w.Pause(a.n, 6*time.Second) })
	run(t, w, ms(9000))
	r := a.r()
	for _, s := range r.seen {
		if s.at >= ms(1000) && s.at < ms(7000) {
			t.Fatalf("machine saw %s at %s, during the pause", s.ev, s.at)
		}
	}
	scs := r.sessions()
	n := len(scs)
	if n < 3 || scs[n-2].State != core.Expired || scs[n-2].Session != scs[0].Session ||
		scs[n-1].State != core.Connected || scs[n-1].Session == scs[0].Session {
		t.Errorf("sessions %v, want to end with Expired on the first session, then Connected on a new one", scs)
	}
	if _, _, ok := w.ZK().Lookup("/eph"); ok {
		t.Error("/eph exists, want it deleted with the expired session")
	}
}

// TestZKWatchHeldWhileDisconnected: a watch that fires after the server saw
// its session's connection die is held and delivered when the client
// reconnects on the same session.
func TestZKWatchHeldWhileDisconnected(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		cutAt := ms(2000 + float64(seed)*131)
		w := New(Config{Seed: seed})
		a := zkNode(w, "a", onConnectedOnce(func(r *recorder) {
			r.coord(core.Create{Path: "/w"})
			r.coord(core.GetData{Path: "/w", Watch: true})
		}))
		b := zkNode(w, "b", nil)
		w.At(cutAt, "cut", func() {
			w.Net().Partition(a.n.Endpoint(), ZKEndpoint)
			a.r().coord(core.Exists{Path: "/w"}) // into the partition: the connection dies
		})
		w.At(cutAt.Add(100*time.Millisecond), "change", func() {
			b.r().coord(core.SetData{Path: "/w", Data: []byte("new"), Version: core.AnyVersion})
		})
		w.At(cutAt.Add(time.Second), "heal", func() { w.Net().Heal(a.n.Endpoint(), ZKEndpoint) })
		run(t, w, cutAt.Add(5*time.Second))
		scs := a.r().sessions()
		if got := states(scs); got != "Connected Disconnected Connected" || scs[2].Session != scs[0].Session {
			t.Fatalf("seed %d: sessions %v, want Connected Disconnected Connected on one session", seed, scs)
		}
		want := []core.WatchFired{{Type: core.NodeDataChanged, Path: "/w"}}
		if got := a.r().watches(); !slices.Equal(got, want) {
			t.Errorf("seed %d: watches %v, want %v", seed, got, want)
		}
		var watchAt core.Time
		for _, s := range a.r().seen {
			if _, ok := s.ev.(core.WatchFired); ok {
				watchAt = s.at
			}
		}
		if reconnected := a.r().sessionTimes()[2]; watchAt < reconnected {
			t.Errorf("seed %d: watch at %s, before the reconnect at %s", seed, watchAt, reconnected)
		}
	}
}

// TestZKWatchSurvivesShortDisconnect: a watch that fires while its client is
// cut off, on a session that survives, must still reach the client (ZooKeeper
// clients re-register their watches on reconnect and the server fires those
// whose nodes changed meanwhile). It is lost today: the server writes the
// notification into a connection it still believes alive, the partition
// drops it, and nothing sends it again.
func TestZKWatchSurvivesShortDisconnect(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		cutAt := ms(2000 + float64(seed)*131)
		w := New(Config{Seed: seed})
		a := zkNode(w, "a", onConnectedOnce(func(r *recorder) {
			r.coord(core.Create{Path: "/w"})
			r.coord(core.GetData{Path: "/w", Watch: true})
		}))
		b := zkNode(w, "b", nil)
		w.At(cutAt, "cut", func() {
			w.Net().Partition(a.n.Endpoint(), ZKEndpoint)
			b.r().coord(core.SetData{Path: "/w", Data: []byte("new"), Version: core.AnyVersion})
		})
		w.At(cutAt.Add(time.Second), "heal", func() { w.Net().Heal(a.n.Endpoint(), ZKEndpoint) })
		run(t, w, cutAt.Add(5*time.Second))
		scs := a.r().sessions()
		if got := states(scs); got != "Connected Disconnected Connected" || scs[2].Session != scs[0].Session {
			t.Fatalf("seed %d: sessions %v, want Connected Disconnected Connected on one session", seed, scs)
		}
		want := []core.WatchFired{{Type: core.NodeDataChanged, Path: "/w"}}
		if got := a.r().watches(); !slices.Equal(got, want) {
			t.Errorf("seed %d: watches %v, want %v", seed, got, want)
		}
	}
}

// An operator's write replaces a znode's data (its version rises), as a
// hand edit does; a missing znode is not created.
func TestOperatorWrite(t *testing.T) {
	w := New(Config{Seed: 1})
	id := w.ZK().OpenSession(0, time.Second)
	if r := w.ZK().Apply(id, 0, core.Create{Path: "/a", Data: []byte("x"), Mode: core.Persistent}); r.Code != core.CodeOK {
		t.Fatalf("create /a: got %s, want OK", r.Code)
	}
	if code := w.OperatorWrite("/a", []byte("{bad")); code != core.CodeOK {
		t.Fatalf("OperatorWrite /a: got %s, want OK", code)
	}
	data, stat, ok := w.ZK().Lookup("/a")
	if !ok || string(data) != "{bad" || stat.Version != 1 {
		t.Errorf("/a after OperatorWrite: got %q v%d (present %v), want \"{bad\" v1", data, stat.Version, ok)
	}
	if code := w.OperatorWrite("/missing", nil); code != core.CodeNoNode {
		t.Errorf("OperatorWrite /missing: got %s, want NoNode", code)
	}
}
