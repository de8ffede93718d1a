package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

func TestNodeTicksAtPeriod(t *testing.T) {
	const span = 2 * time.Second
	cases := []struct {
		tick, want time.Duration // tick 0 takes the default
	}{
		{time.Millisecond, time.Millisecond},
		{10 * time.Millisecond, 10 * time.Millisecond},
		{250 * time.Millisecond, 250 * time.Millisecond},
		{0, DefaultTick},
	}
	for _, c := range cases {
		t.Run(c.tick.String(), func(t *testing.T) {
			w := New(Config{Seed: 5})
			var rs []*recorder
			n := w.AddNode(NodeConfig{ID: "a", Tick: c.tick, New: func(*rand.Rand) core.Machine {
				rs = append(rs, &recorder{w: w})
				return rs[len(rs)-1]
			}})
			run(t, w, core.Time(span))
			if len(rs) != 1 || n.Machine() != core.Machine(rs[0]) {
				t.Fatalf("New called %d times, want 1", len(rs))
			}
			ticks := rs[0].ticks()
			if len(ticks) == 0 {
				t.Fatal("got no ticks")
			}
			if first := ticks[0]; first <= 0 || first > core.Time(c.want) {
				t.Errorf("first tick at %d, want within (0, %d]: a random phase", first, c.want)
			}
			for i := 1; i < len(ticks); i++ {
				if gap := ticks[i].Sub(ticks[i-1]); gap != c.want {
					t.Fatalf("tick %d: gap %s, want %s", i, gap, c.want)
				}
			}
			if want := int(core.Time(span).Sub(ticks[0])/c.want) + 1; len(ticks) != want {
				t.Errorf("ticks in %s: got %d, want %d", span, len(ticks), want)
			}
			for _, s := range rs[0].seen {
				if s.local != s.at {
					t.Fatalf("event at %d: machine's now %d, want virtual time on a node without drift", s.at, s.local)
				}
			}
		})
	}
}

func TestNodeCrashAndRestart(t *testing.T) {
	w := New(Config{Seed: 2})
	tn := addTestNode(w, NodeConfig{ID: "a", Tick: 10 * time.Millisecond}, nil)
	run(t, w, ms(50))
	old := tn.r()
	if tn.n.Machine() != core.Machine(old) || !tn.n.Up() {
		t.Fatalf("before the crash: Machine() %p Up %t, want the first recorder %p and up", tn.n.Machine(), tn.n.Up(), old)
	}
	w.Crash(tn.n)
	if tn.n.Machine() != nil || tn.n.Up() {
		t.Errorf("after Crash: Machine() %v Up %t, want nil and down", tn.n.Machine(), tn.n.Up())
	}
	ticksAtCrash := len(old.ticks())
	run(t, w, ms(200))
	if got := len(old.ticks()); got != ticksAtCrash {
		t.Errorf("crashed machine: got %d ticks, want %d (none after the crash)", got, ticksAtCrash)
	}
	if len(tn.incs) != 1 {
		t.Errorf("New called %d times while down, want 1", len(tn.incs))
	}
	w.Restart(tn.n)
	w.Restart(tn.n) // a second Restart of a running node does nothing
	if len(tn.incs) != 2 {
		t.Fatalf("after Restart: New called %d times, want 2", len(tn.incs))
	}
	fresh := tn.r()
	if fresh == old || tn.n.Machine() != core.Machine(fresh) || !tn.n.Up() {
		t.Fatalf("after Restart: Machine() %p, want a fresh recorder %p (old %p), up", tn.n.Machine(), fresh, old)
	}
	run(t, w, ms(400))
	ticks := fresh.ticks()
	if len(ticks) < 19 || ticks[0] <= ms(200) || ticks[0] > ms(210) {
		t.Errorf("restarted machine: ticks %v, want about 20 from within (0.200s, 0.210s]", ticks)
	}
	if len(old.ticks()) != ticksAtCrash {
		t.Errorf("old machine got events after the restart")
	}
}

// TestNodeDropsOldIncarnation crashes and restarts a node at one instant: the
// old incarnation's tick chain, a machine event queued for it and messages in
// flight to it must not reach the new machine.
func TestNodeDropsOldIncarnation(t *testing.T) {
	w := New(Config{Seed: 3, Net: NetConfig{LatencyMin: 5 * time.Millisecond, LatencyMax: 5 * time.Millisecond}})
	a := addTestNode(w, NodeConfig{ID: "a", Tick: 10 * time.Millisecond}, nil)
	var sent []core.Time
	addTestNode(w, NodeConfig{ID: "b"}, sender(&sent, "a"))
	stale := core.WatchFired{Type: core.NodeDeleted, Path: "/stale"}
	w.At(ms(50), "bounce", func() {
		a.n.deliverLater(stale) // queued for the incarnation about to die
		w.Crash(a.n)
		w.Restart(a.n)
	})
	run(t, w, ms(300))
	if len(a.incs) != 2 {
		t.Fatalf("New called %d times, want 2", len(a.incs))
	}
	fresh := a.r()
	for _, s := range fresh.seen {
		if wf, ok := s.ev.(core.WatchFired); ok {
			t.Errorf("new machine saw %s queued for the old incarnation", wf)
		}
	}
	ticks := fresh.ticks()
	for i := 1; i < len(ticks); i++ {
		if gap := ticks[i].Sub(ticks[i-1]); gap != 10*time.Millisecond {
			t.Fatalf("new machine tick %d: gap %s, want 10ms (one tick chain, not two)", i, gap)
		}
	}
	arr := fresh.arrivals(t, "b")
	if len(arr) == 0 {
		t.Fatal("new machine got no messages from b")
	}
	for _, m := range arr {
		if m.sent < ms(50) {
			t.Errorf("new machine got message %d sent at %s, before the crash at 0.050s", m.seq, m.sent)
		}
	}
	// The messages in flight at the crash ([45ms, 50ms)) were lost, and only those.
	lost := 0
	for _, s := range sent {
		if s >= ms(45) && s < ms(50) {
			lost++
		}
	}
	old := a.incs[0].arrivals(t, "b")
	if got := len(sent) - len(old) - len(arr); got < lost || got > lost+5 {
		t.Errorf("messages lost: got %d, want %d in flight at the crash (+ up to 5 in flight at the end)", got, lost)
	}
}

func TestNodePauseHoldsThenDelivers(t *testing.T) {
	w := New(Config{Seed: 4})
	a := addTestNode(w, NodeConfig{ID: "a", Tick: 10 * time.Millisecond}, nil)
	var sent []core.Time
	addTestNode(w, NodeConfig{ID: "b"}, sender(&sent, "a"))
	w.At(ms(100), "pause", func() { w.Pause(a.n, 50*time.Millisecond) })
	w.At(ms(120), "check", func() {
		if !a.n.Paused() || !a.n.Up() {
			t.Errorf("during the pause: Paused %t Up %t, want true true", a.n.Paused(), a.n.Up())
		}
	})
	run(t, w, ms(300))
	if a.n.Paused() {
		t.Error("after the pause: Paused() true, want false")
	}
	r := a.r()
	var atResume []core.Event
	for _, s := range r.seen {
		switch {
		case s.at >= ms(100) && s.at < ms(150):
			t.Errorf("machine saw %s at %s, during the pause", s.ev, s.at)
		case s.at == ms(150):
			atResume = append(atResume, s.ev)
		}
	}
	// At the resume: the held messages in order, then one tick for the ticks
	// missed (a ticker does not queue ticks for a slow reader).
	var heldRecvs, heldTicks int
	for i, ev := range atResume {
		switch ev.(type) {
		case core.Recv:
			heldRecvs++
			if heldTicks > 0 {
				t.Errorf("resume event %d: a message after the held tick", i)
			}
		case core.Tick:
			heldTicks++
		}
	}
	if heldRecvs < 45 || heldTicks != 1 {
		t.Errorf("at the resume: got %d messages and %d ticks, want about 50 messages held and 1 tick", heldRecvs, heldTicks)
	}
	arr := r.arrivals(t, "b")
	for i, m := range arr {
		if m.seq != i {
			t.Fatalf("message %d: got seq %d, want %d (in order, none lost)", i, m.seq, i)
		}
	}
	if len(arr) < len(sent)-3 {
		t.Errorf("got %d messages of %d sent, want all but those in flight", len(arr), len(sent))
	}
	ticks := r.ticks()
	for i, at := range ticks {
		if i > 0 && at > ms(150) && at.Sub(ticks[i-1]) != 10*time.Millisecond {
			t.Errorf("tick at %s: %s after the previous, want ticks every 10ms from the resume", at, at.Sub(ticks[i-1]))
		}
	}
}

func TestNodeClockRate(t *testing.T) {
	const (
		changeAt = 1000 // ms
		endAt    = 5000 // ms
		period   = 100 * time.Millisecond
	)
	for _, rate := range []float64{2, 0.5, 1.25, 1.0001} {
		t.Run(formatRate(rate), func(t *testing.T) {
			w := New(Config{Seed: 6})
			drift := addTestNode(w, NodeConfig{ID: "drift", Tick: period}, nil)
			exact := addTestNode(w, NodeConfig{ID: "exact", Tick: period}, nil)
			w.At(ms(changeAt), "rate", func() { w.SetClockRate(drift.n, rate) })
			run(t, w, ms(endAt))

			var prev core.Time = -1
			for _, s := range drift.r().seen {
				if s.local < prev {
					t.Fatalf("at %s: machine's now went back from %d to %d", s.at, prev, s.local)
				}
				prev = s.local
				want := s.at
				if s.at >= ms(changeAt) {
					want = ms(changeAt) + core.Time(float64(s.at-ms(changeAt))*rate)
				}
				if d := s.local - want; d < -1 || d > 1 {
					t.Fatalf("at %s: machine's now %d, want %d (rate %v from %s)", s.at, s.local, want, rate, ms(changeAt))
				}
			}
			// After the first tick on the new rate, ticks come every period of
			// local time: period/rate of virtual time.
			ticks := drift.r().ticks()
			wantGap := time.Duration(float64(period) / rate)
			var after []core.Time
			for _, at := range ticks {
				if at > ms(changeAt) {
					after = append(after, at)
				}
			}
			for i := 1; i < len(after); i++ {
				if gap := after[i].Sub(after[i-1]); gap != wantGap {
					t.Fatalf("tick at %s: gap %s, want %s", after[i], gap, wantGap)
				}
			}
			var exactAfter int
			for _, at := range exact.r().ticks() {
				if at > ms(changeAt) {
					exactAfter++
				}
			}
			ratio := float64(len(after)) / float64(exactAfter)
			if ratio < rate*0.95-0.03 || ratio > rate*1.05+0.03 {
				t.Errorf("ticks after the change: %d on the drifting node, %d on the exact one; ratio %.3f, want about %v",
					len(after), exactAfter, ratio, rate)
			}
		})
	}
}

// TestNodeClockMonotonic changes a node's rate often, up and down: the
// machine's now must never go back and must advance across ticks.
func TestNodeClockMonotonic(t *testing.T) {
	w := New(Config{Seed: 8})
	tn := addTestNode(w, NodeConfig{ID: "a", Tick: 3 * time.Millisecond}, nil)
	rng := rand.New(rand.NewPCG(8, 8))
	var change func()
	change = func() {
		w.SetClockRate(tn.n, 0.2+rng.Float64()*5)
		w.After(time.Duration(1+rng.IntN(40))*time.Millisecond, "rate", change)
	}
	w.At(ms(1), "rate", change)
	run(t, w, ms(2000))
	ticks := 0
	var prev core.Time = -1
	for _, s := range tn.r().seen {
		if s.local <= prev {
			t.Fatalf("at %s: machine's now %d after %d, want strictly increasing across ticks", s.at, s.local, prev)
		}
		prev = s.local
		ticks++
	}
	if ticks < 200 {
		t.Errorf("got %d ticks in 2s, want many", ticks)
	}
}
