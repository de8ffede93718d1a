package sim

import (
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// pair is two nodes: a sends a numbered message to b on every tick (1ms), and
// so does b to a when bToA.
type pair struct {
	w            *World
	a, b         *testNode
	sentA, sentB []core.Time // send times by sequence number
}

func newPair(seed uint64, net NetConfig, bToA bool) *pair {
	p := &pair{w: New(Config{Seed: seed, Net: net})}
	p.a = addTestNode(p.w, NodeConfig{ID: "a"}, sender(&p.sentA, "b"))
	if bToA {
		p.b = addTestNode(p.w, NodeConfig{ID: "b"}, sender(&p.sentB, "a"))
	} else {
		p.b = addTestNode(p.w, NodeConfig{ID: "b"}, nil)
	}
	return p
}

// checkInOrder fails unless arr is strictly increasing by sequence number.
func checkInOrder(t *testing.T, what string, arr []arrival) {
	t.Helper()
	for i := 1; i < len(arr); i++ {
		if arr[i].seq <= arr[i-1].seq {
			t.Fatalf("%s: message %d arrived after message %d, want in order", what, arr[i].seq, arr[i-1].seq)
		}
		if arr[i].at < arr[i-1].at {
			t.Fatalf("%s: message %d arrived at %s, before %s", what, arr[i].seq, arr[i].at, arr[i-1].at)
		}
	}
}

func TestNetOrderedDespiteJitter(t *testing.T) {
	// Jitter (30ms) far above the send period (1ms): without the per-direction
	// ordering, later messages would overtake earlier ones all the time.
	p := newPair(11, NetConfig{LatencyMin: time.Millisecond, LatencyMax: 31 * time.Millisecond}, true)
	run(t, p.w, ms(500))
	for _, dir := range []struct {
		name string
		arr  []arrival
		sent int
	}{
		{"a->b", p.b.r().arrivals(t, "a"), len(p.sentA)},
		{"b->a", p.a.r().arrivals(t, "b"), len(p.sentB)},
	} {
		checkInOrder(t, dir.name, dir.arr)
		for i, m := range dir.arr {
			if m.seq != i {
				t.Fatalf("%s: arrival %d is message %d, want none lost", dir.name, i, m.seq)
			}
		}
		if len(dir.arr) < dir.sent-32 {
			t.Errorf("%s: %d of %d arrived, want all but the last 31ms", dir.name, len(dir.arr), dir.sent)
		}
		// The jitter was real: latencies spread, and many messages drew a
		// latency that would have overtaken their predecessor, so they were
		// held to arrive with it, at the same instant.
		lo, hi := time.Hour, time.Duration(0)
		bunched := 0
		for i, m := range dir.arr {
			lat := m.at.Sub(m.sent)
			lo, hi = min(lo, lat), max(hi, lat)
			if i > 0 && m.at == dir.arr[i-1].at {
				bunched++
			}
		}
		if hi-lo < 10*time.Millisecond || bunched < len(dir.arr)/10 {
			t.Errorf("%s: latencies within [%s, %s], %d arrivals bunched with the previous; want a spread and many bunched",
				dir.name, lo, hi, bunched)
		}
	}
}

func TestNetLatencyWithinBounds(t *testing.T) {
	cases := []struct {
		name     string
		cfg      NetConfig
		min, max time.Duration
	}{
		{"default", NetConfig{}, 200 * time.Microsecond, 2 * time.Millisecond},
		{"fixed", NetConfig{LatencyMin: 5 * time.Millisecond, LatencyMax: 5 * time.Millisecond}, 5 * time.Millisecond, 5 * time.Millisecond},
		{"range", NetConfig{LatencyMin: time.Millisecond, LatencyMax: 3 * time.Millisecond}, time.Millisecond, 3 * time.Millisecond},
		{"max below min", NetConfig{LatencyMin: time.Millisecond, LatencyMax: time.Microsecond}, time.Millisecond, 10 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPair(12, c.cfg, false)
			run(t, p.w, ms(400))
			arr := p.b.r().arrivals(t, "a")
			if len(arr) < 350 {
				t.Fatalf("got %d messages, want about 400", len(arr))
			}
			lo, hi := time.Hour, time.Duration(0)
			for _, m := range arr {
				lat := m.at.Sub(m.sent)
				if lat < c.min || lat > c.max {
					t.Fatalf("message %d: latency %s, want within [%s, %s]", m.seq, lat, c.min, c.max)
				}
				lo, hi = min(lo, lat), max(hi, lat)
			}
			if spread := c.max - c.min; hi-lo < spread*8/10 {
				t.Errorf("latencies within [%s, %s], want them to cover most of [%s, %s]", lo, hi, c.min, c.max)
			}
		})
	}
}

func TestNetPartition(t *testing.T) {
	const from, to = 100, 200 // ms
	cases := []struct {
		name               string
		cut                func(n *Network, a, b Endpoint)
		aToBLost, bToALost bool
	}{
		{"symmetric", func(n *Network, a, b Endpoint) { n.Partition(a, b) }, true, true},
		{"one way a->b", func(n *Network, a, b Endpoint) { n.PartitionOneWay(a, b) }, true, false},
		{"one way b->a", func(n *Network, a, b Endpoint) { n.PartitionOneWay(b, a) }, false, true},
		{"isolate a", func(n *Network, a, b Endpoint) { n.Isolate(a) }, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPair(13, NetConfig{}, true)
			ea, eb := p.a.n.Endpoint(), p.b.n.Endpoint()
			p.w.At(ms(from), "cut", func() {
				c.cut(p.w.Net(), ea, eb)
				if got := p.w.Net().Blocked(ea, eb); got != c.aToBLost {
					t.Errorf("Blocked(a, b): got %t, want %t", got, c.aToBLost)
				}
				if got := p.w.Net().Blocked(eb, ea); got != c.bToALost {
					t.Errorf("Blocked(b, a): got %t, want %t", got, c.bToALost)
				}
			})
			p.w.At(ms(to), "heal", func() { p.w.Net().Heal(ea, eb) })
			run(t, p.w, ms(400))
			if p.w.Net().Blocked(ea, eb) || p.w.Net().Blocked(eb, ea) {
				t.Error("after Heal: still blocked")
			}
			checkPartitioned(t, "a->b", p.b.r().arrivals(t, "a"), p.sentA, c.aToBLost, from, to)
			checkPartitioned(t, "b->a", p.a.r().arrivals(t, "b"), p.sentB, c.bToALost, from, to)
		})
	}
}

// checkPartitioned checks one direction of a pair partitioned during
// [from, to) ms: when cut, nothing sent during it arrives and everything sent
// a little after the heal does; when not cut, nothing is lost at all.
func checkPartitioned(t *testing.T, dir string, arr []arrival, sent []core.Time, cut bool, from, to float64) {
	t.Helper()
	checkInOrder(t, dir, arr)
	got := map[int]bool{}
	for _, m := range arr {
		got[m.seq] = true
	}
	for seq, at := range sent {
		switch {
		case at > ms(390): // may still be in flight at the end
		case !cut && !got[seq]:
			t.Fatalf("%s (not cut): message %d sent at %s lost", dir, seq, at)
		case cut && at >= ms(from) && at < ms(to) && got[seq]:
			t.Fatalf("%s (cut): message %d sent at %s, during the partition, arrived", dir, seq, at)
		case cut && at < ms(from-5) && !got[seq]:
			t.Fatalf("%s (cut): message %d sent at %s, well before the partition, lost", dir, seq, at)
		case cut && at >= ms(to) && !got[seq]:
			t.Fatalf("%s (cut): message %d sent at %s, after the heal, lost", dir, seq, at)
		}
	}
}

// TestNetHealDialsNewConn: the partition killed the pair's connection; a Send
// after the heal must dial a new one rather than write into the dead one.
func TestNetHealDialsNewConn(t *testing.T) {
	p := newPair(14, NetConfig{}, false)
	ea, eb := p.a.n.Endpoint(), p.b.n.Endpoint()
	key := [2]Endpoint{ea, eb}
	var before, during *conn
	var beforeAlive, duringAlive bool
	p.w.At(ms(50), "cut", func() {
		before = p.w.Net().peers[key]
		beforeAlive = before != nil && before.alive
		p.w.Net().Partition(ea, eb)
	})
	p.w.At(ms(80), "look", func() {
		during = p.w.Net().peers[key]
		duringAlive = during != nil && during.alive
	})
	p.w.At(ms(100), "heal", func() { p.w.Net().Heal(ea, eb) })
	run(t, p.w, ms(200))
	after := p.w.Net().peers[key]
	if !beforeAlive {
		t.Fatalf("before the partition: conn %v, want a live one", before)
	}
	// Sends through the partition dial too; their connections die at once.
	if during == nil || duringAlive {
		t.Errorf("during the partition: conn %v, want a dead one", during)
	}
	if after == nil || after == before || after == during || !after.alive {
		t.Errorf("after the heal: conn %v, want a new live conn (before %d, during %d)", after, before.id, during.id)
	}
	arr := p.b.r().arrivals(t, "a")
	if last := arr[len(arr)-1]; last.sent < ms(190) {
		t.Errorf("last arrival sent at %s, want traffic flowing after the heal", last.sent)
	}
	if p.w.Net().Dropped == 0 {
		t.Error("Dropped: got 0, want the partition's losses counted")
	}
}

func TestNetClogDelaysWithoutLoss(t *testing.T) {
	const clogFrom, clogFor = 100, 100 // ms
	p := newPair(15, NetConfig{}, true)
	p.w.At(ms(clogFrom), "clog", func() { p.w.Net().Clog(p.b.n.Endpoint(), clogFor*time.Millisecond) })
	run(t, p.w, ms(400))
	for _, dir := range []struct {
		name string
		arr  []arrival
		sent []core.Time
	}{
		{"a->b (into the clog)", p.b.r().arrivals(t, "a"), p.sentA},
		{"b->a (out of the clog)", p.a.r().arrivals(t, "b"), p.sentB},
	} {
		checkInOrder(t, dir.name, dir.arr)
		for i, m := range dir.arr {
			if m.seq != i {
				t.Fatalf("%s: arrival %d is message %d, want none lost", dir.name, i, m.seq)
			}
		}
		if len(dir.arr) < len(dir.sent)-3 {
			t.Errorf("%s: %d of %d arrived, want all", dir.name, len(dir.arr), len(dir.sent))
		}
		held := 0
		for _, m := range dir.arr {
			inClog := m.sent >= ms(clogFrom) && m.sent < ms(clogFrom+clogFor)
			switch {
			case inClog && m.at < ms(clogFrom+clogFor):
				t.Fatalf("%s: message %d sent at %s arrived at %s, before the clog ended", dir.name, m.seq, m.sent, m.at)
			case inClog:
				held++
			case m.sent >= ms(clogFrom+clogFor) && m.at.Sub(m.sent) > 2*time.Millisecond:
				t.Fatalf("%s: message %d sent at %s after the clog took %s", dir.name, m.seq, m.sent, m.at.Sub(m.sent))
			}
		}
		if held < 95 {
			t.Errorf("%s: %d messages held by the clog, want about 100", dir.name, held)
		}
	}
}

func TestNetResetConnsLosesInFlight(t *testing.T) {
	const latency = 10 * time.Millisecond
	resetAt := ms(50) + 123 // off the tick grid
	p := newPair(16, NetConfig{LatencyMin: latency, LatencyMax: latency}, false)
	var droppedBefore uint64
	p.w.At(resetAt, "reset", func() {
		droppedBefore = p.w.Net().Dropped
		p.w.Net().ResetConns(p.a.n.Endpoint())
	})
	run(t, p.w, ms(200))
	got := map[int]bool{}
	arr := p.b.r().arrivals(t, "a")
	checkInOrder(t, "a->b", arr)
	for _, m := range arr {
		got[m.seq] = true
	}
	lost := 0
	for seq, at := range p.sentA {
		inFlight := at >= resetAt.Add(-latency) && at < resetAt
		switch {
		case at > ms(200).Add(-latency): // still in flight at the end
		case inFlight && got[seq]:
			t.Errorf("message %d sent at %s, in flight at the reset, arrived", seq, at)
		case inFlight:
			lost++
		case !got[seq]:
			t.Errorf("message %d sent at %s, not in flight at the reset, lost", seq, at)
		}
	}
	if lost < 9 || lost > 10 {
		t.Errorf("lost %d messages, want the ~10 in flight during the 10ms before the reset", lost)
	}
	if d := p.w.Net().Dropped - droppedBefore; d != uint64(lost) {
		t.Errorf("Dropped grew by %d, want %d", d, lost)
	}
}
