package sim

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

func TestWorldAtAfterRunInOrder(t *testing.T) {
	w := New(Config{Seed: 1})
	var got []string
	log := func(name string) func() {
		return func() { got = append(got, fmt.Sprintf("%s@%s", name, w.Now())) }
	}
	w.At(ms(5), "e", log("e"))
	w.At(ms(1), "a", log("a"))
	w.At(ms(3), "c1", log("c1"))
	w.After(3*time.Millisecond, "c2", log("c2")) // same instant as c1, scheduled later
	w.At(ms(3), "c3", log("c3"))
	w.At(ms(2), "b", func() {
		log("b")()
		// Scheduled from inside a call: at the current instant it runs after
		// the call, in the same run; After is relative to the call's time.
		w.At(w.Now(), "b-now", log("b-now"))
		w.After(2*time.Millisecond, "d", log("d"))
	})
	run(t, w, ms(10))
	want := []string{"a@0.001s", "b@0.002s", "b-now@0.002s", "c1@0.003s", "c2@0.003s", "c3@0.003s", "d@0.004s", "e@0.005s"}
	if !slices.Equal(got, want) {
		t.Errorf("order:\ngot  %v\nwant %v", got, want)
	}
}

func TestWorldRunUntilStopsAtBound(t *testing.T) {
	w := New(Config{Seed: 1})
	var ran []core.Time
	for _, at := range []core.Time{ms(1), ms(2), ms(3), ms(5)} {
		w.At(at, "e", func() { ran = append(ran, w.Now()) })
	}
	steps := []struct {
		until   core.Time
		wantRan []core.Time // cumulative
	}{
		{ms(3), []core.Time{ms(1), ms(2), ms(3)}}, // the bound is inclusive
		{ms(4), []core.Time{ms(1), ms(2), ms(3)}},
		{ms(4.999), []core.Time{ms(1), ms(2), ms(3)}},
		{ms(10), []core.Time{ms(1), ms(2), ms(3), ms(5)}},
		{ms(8), []core.Time{ms(1), ms(2), ms(3), ms(5)}}, // a bound in the past changes nothing
	}
	for _, s := range steps {
		before := w.Now()
		run(t, w, s.until)
		if !slices.Equal(ran, s.wantRan) {
			t.Errorf("RunUntil(%s): ran %v, want %v", s.until, ran, s.wantRan)
		}
		if want := max(before, s.until); w.Now() != want {
			t.Errorf("RunUntil(%s): Now() got %s, want %s", s.until, w.Now(), want)
		}
	}
	if err := w.RunFor(5 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if want := ms(15); w.Now() != want {
		t.Errorf("RunFor(5ms) from 10ms: Now() got %s, want %s", w.Now(), want)
	}
}

func TestWorldAtInThePastPanics(t *testing.T) {
	w := New(Config{Seed: 1})
	run(t, w, ms(10))
	defer func() {
		if recover() == nil {
			t.Error("At(5ms) at 10ms: got no panic, want an assertion")
		}
	}()
	w.At(ms(5), "late", func() {})
}

func TestWorldFailStopsRun(t *testing.T) {
	w := New(Config{Seed: 1})
	boom := errors.New("invariant broken")
	var ran []string
	w.At(ms(1), "one", func() { ran = append(ran, "one") })
	w.At(ms(2), "fail", func() { w.Fail(boom); w.Fail(errors.New("second")) })
	w.At(ms(3), "three", func() { ran = append(ran, "three") })
	err := w.RunUntil(ms(10))
	if !errors.Is(err, boom) {
		t.Errorf("RunUntil: got error %v, want %v (the first Fail wins)", err, boom)
	}
	if !slices.Equal(ran, []string{"one"}) {
		t.Errorf("ran %v, want [one]: nothing after the failing event", ran)
	}
	if w.Now() != ms(2) {
		t.Errorf("Now() got %s, want 0.002s: the clock stops at the failing event", w.Now())
	}
	if err := w.RunUntil(ms(20)); !errors.Is(err, boom) {
		t.Errorf("RunUntil after a failure: got %v, want %v", err, boom)
	}
}

// busyWorld builds a small cluster that exercises every source of
// randomness: tick phases, network jitter, ZooKeeper sessions and a crash.
func busyWorld(seed uint64, trace *bytes.Buffer) *World {
	cfg := Config{Seed: seed, Net: NetConfig{LatencyMin: time.Millisecond, LatencyMax: 5 * time.Millisecond}}
	if trace != nil {
		cfg.Trace = trace
	}
	w := New(cfg)
	ids := []core.NodeID{"a", "b", "c"}
	for i, id := range ids {
		peer := ids[(i+1)%len(ids)]
		n := 0
		addTestNode(w, NodeConfig{ID: id, ZK: true, Tick: 7 * time.Millisecond}, func(r *recorder, ev core.Event) {
			switch ev.(type) {
			case core.Tick:
				n++
				r.send(peer, "hello "+strconv.Itoa(n))
				if n%10 == 0 {
					r.coord(core.Create{Path: "/" + string(id), Mode: core.EphemeralSequential})
				}
			}
		})
	}
	w.At(ms(500), "crash", func() { w.Crash(w.Nodes()[1]) })
	w.At(ms(800), "restart", func() { w.Restart(w.Nodes()[1]) })
	return w
}

func TestWorldSameSeedSameTrace(t *testing.T) {
	type outcome struct {
		hash, events uint64
	}
	runSeed := func(seed uint64) outcome {
		w := busyWorld(seed, nil)
		run(t, w, ms(2000))
		return outcome{w.TraceHash(), w.Events()}
	}
	a, b := runSeed(7), runSeed(7)
	if a != b {
		t.Errorf("seed 7 twice: got %+v and %+v, want equal", a, b)
	}
	if a.events < 1000 {
		t.Errorf("events: got %d, want a busy run (>= 1000)", a.events)
	}
	if a.hash == fnvOffset64 {
		t.Errorf("hash: got the FNV offset, want a hash of the trace")
	}
	seen := map[uint64]uint64{a.hash: 7}
	for seed := uint64(8); seed < 12; seed++ {
		o := runSeed(seed)
		if prev, dup := seen[o.hash]; dup {
			t.Errorf("seeds %d and %d: same hash %#x, want different", prev, seed, o.hash)
		}
		seen[o.hash] = seed
	}
}

func TestTraceHashIndependentOfWriter(t *testing.T) {
	var buf bytes.Buffer
	traced := busyWorld(3, &buf)
	run(t, traced, ms(1000))
	silent := busyWorld(3, nil)
	run(t, silent, ms(1000))
	if traced.TraceHash() != silent.TraceHash() || traced.Events() != silent.Events() {
		t.Errorf("with a writer: hash %#x events %d; without: hash %#x events %d; want equal",
			traced.TraceHash(), traced.Events(), silent.TraceHash(), silent.Events())
	}

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if got, want := uint64(len(lines)), traced.trace.lines; got != want {
		t.Errorf("trace lines written: got %d, want %d (one per record)", got, want)
	}
	// Most events leave one line (a tick, a call, a delivered event), some
	// none (a message to the ZooKeeper server), and effects add lines.
	if ev := traced.Events(); uint64(len(lines)) < ev/2 || uint64(len(lines)) > 4*ev {
		t.Errorf("trace lines: got %d for %d events, want within [events/2, 4*events]", len(lines), ev)
	}
	var prev int64 = -1
	kinds := map[string]int{}
	for i, line := range lines {
		f := strings.SplitN(line, " ", 4)
		if len(f) < 3 {
			t.Fatalf("line %d %q: want \"<time> <who> <what> [detail]\"", i, line)
		}
		at, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || at < prev {
			t.Fatalf("line %d %q: time %q not a number >= %d", i, line, f[0], prev)
		}
		prev = at
		kinds[f[2]]++
	}
	for _, what := range []string{"start", "tick", "effect", "event", "crash"} {
		if kinds[what] == 0 {
			t.Errorf("trace has no %q line; kinds seen: %v", what, kinds)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestTraceWriteErrorStopsRun(t *testing.T) {
	w := New(Config{Seed: 1, Trace: failingWriter{}})
	addTestNode(w, NodeConfig{ID: "a"}, nil)
	// Enough lines to overflow the trace's buffer before the run ends.
	err := w.RunUntil(ms(1000))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("RunUntil with a failing trace writer: got %v, want an error mentioning disk full", err)
	}
}

// TestTraceHashCoversContent: two runs with the same seed, hence the same
// timing, that differ only in a message's payload must hash differently.
func TestTraceHashCoversContent(t *testing.T) {
	hash := func(payload string) uint64 {
		w := New(Config{Seed: 9})
		addTestNode(w, NodeConfig{ID: "a"}, func(r *recorder, ev core.Event) {
			if _, ok := ev.(core.Tick); ok && r.w.Now() > ms(5) && r.w.Now() <= ms(6) {
				r.send("b", payload)
			}
		})
		addTestNode(w, NodeConfig{ID: "b"}, nil)
		run(t, w, ms(20))
		return w.TraceHash()
	}
	if x, x2, y := hash("x"), hash("x"), hash("y"); x != x2 || x == y {
		t.Errorf("hashes: payload x %#x and %#x, payload y %#x; want x twice equal, y different", x, x2, y)
	}
}

// TestTraceHashCoversWholePayloads: payloads that differ only past the 48
// bytes a trace line prints of them must hash differently, for every kind of
// payload a machine sees or makes: a message (Send, Recv), a store write
// (Persist) and what a restart reads back (Restored), znode data (Coord) and
// what a read returns (CoordResult).
func TestTraceHashCoversWholePayloads(t *testing.T) {
	payload := func(last byte) []byte {
		p := bytes.Repeat([]byte("p"), 100)
		p[90] = last
		return p
	}
	once := func(at core.Time, fn func(r *recorder)) func(*recorder, core.Event) {
		done := false
		return func(r *recorder, ev core.Event) {
			if _, ok := ev.(core.Tick); ok && r.w.Now() >= at && !done {
				done = true
				fn(r)
			}
		}
	}
	tests := []struct {
		name string
		run  func(w *World, p []byte)
	}{
		{"send and recv", func(w *World, p []byte) {
			addTestNode(w, NodeConfig{ID: "a"}, once(ms(5), func(r *recorder) { r.send("b", string(p)) }))
			addTestNode(w, NodeConfig{ID: "b"}, nil)
		}},
		{"persist and restored", func(w *World, p []byte) {
			n := addTestNode(w, NodeConfig{ID: "a", Disk: true}, once(ms(5), func(r *recorder) {
				r.opNext++
				r.out = append(r.out, core.Persist{Op: r.opNext, Key: p, Value: p})
			}))
			w.At(ms(10), "crash a", func() { w.Crash(n.n) })
			w.At(ms(11), "restart a", func() { w.Restart(n.n) })
		}},
		{"coord and coord-result", func(w *World, p []byte) {
			zkNode(w, "a", onConnectedOnce(func(r *recorder) {
				r.coord(core.Create{Path: "/p", Data: p})
				r.coord(core.GetData{Path: "/p"})
			}))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash := func(p []byte) uint64 {
				w := New(Config{Seed: 9})
				tt.run(w, p)
				run(t, w, ms(3000))
				return w.TraceHash()
			}
			x, x2, y := hash(payload('x')), hash(payload('x')), hash(payload('y'))
			if x != x2 || x == y {
				t.Errorf("payloads differing at byte 90: hashes %#x and %#x for x, %#x for y; "+
					"want x twice equal, y different", x, x2, y)
			}
		})
	}
}
