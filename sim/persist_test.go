package sim

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/storage"
)

// persister writes key "k<i>" = "v<i>" on its i-th tick and records outcomes.
type persister struct {
	ticks  int
	nextOp core.OpID
	out    []core.Effect
	done   map[core.OpID]string // op -> error text ("" ok)
}

func (p *persister) Step(now core.Time, ev core.Event) {
	switch ev := ev.(type) {
	case core.Tick:
		p.ticks++
		p.nextOp++
		i := strconv.Itoa(p.ticks)
		p.out = append(p.out, core.Persist{Op: p.nextOp, Key: []byte("k" + i), Value: []byte("v" + i)})
	case core.Persisted:
		p.done[ev.Op] = ev.Err
	}
}

func (p *persister) Ready() []core.Effect {
	out := p.out
	p.out = nil
	return out
}

func newPersisterWorld(seed uint64) (*World, *Node, *[]*persister) {
	w := New(Config{Seed: seed})
	var made []*persister
	n := w.AddNode(NodeConfig{ID: "p", Disk: true, Tick: 10 * time.Millisecond,
		New: func(*rand.Rand) core.Machine {
			p := &persister{done: map[core.OpID]string{}}
			made = append(made, p)
			return p
		}})
	return w, n, &made
}

func TestPersistSurvivesCrash(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		w, n, made := newPersisterWorld(seed)
		if err := w.RunFor(205 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		acked := 0
		for _, e := range (*made)[0].done {
			if e != "" {
				t.Fatalf("seed %d: got persist error %q, want none", seed, e)
			}
			acked++
		}
		w.Crash(n)
		w.Restart(n)
		if len(*made) != 2 {
			t.Fatalf("seed %d: got %d machines built, want 2 (restart builds a fresh one)", seed, len(*made))
		}
		for i := 1; i <= acked; i++ {
			v, ok, err := n.Store().Get([]byte("k" + strconv.Itoa(i)))
			if err != nil || !ok || string(v) != "v"+strconv.Itoa(i) {
				t.Errorf("seed %d: key k%d after crash: got %q ok=%v err=%v, want v%d", seed, i, v, ok, err, i)
			}
		}
	}
}

func TestPersistReportsInjectedErrors(t *testing.T) {
	w, n, made := newPersisterWorld(3)
	w.InjectDiskErrors(n, storage.Faults{WriteProbability: 1, Seed: 1})
	if err := w.RunFor(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, e := range (*made)[0].done {
		if e != "" {
			failed++
		}
	}
	if failed == 0 {
		t.Fatalf("got no failed Persist with every write faulted, want failures reported as Persisted.Err")
	}
}

func TestPersistDeterministic(t *testing.T) {
	hash := func() uint64 {
		w, n, _ := newPersisterWorld(9)
		w.RunFor(100 * time.Millisecond)
		w.Crash(n)
		w.Restart(n)
		w.RunFor(100 * time.Millisecond)
		return w.TraceHash()
	}
	if a, b := hash(), hash(); a != b {
		t.Errorf("got trace hashes %x and %x for one seed, want equal", a, b)
	}
}

// Close releases the stores of the nodes still up, with their Pebble
// goroutines: a process that runs world after world (the swarm) must not
// keep every world's stores.
func TestCloseReleasesStores(t *testing.T) {
	before := runtime.NumGoroutine()
	var worlds []*World
	for seed := uint64(1); seed <= 5; seed++ {
		w, n, _ := newPersisterWorld(seed)
		if err := w.RunFor(50 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if n.Store() == nil {
			t.Fatalf("seed %d: got no store on a node with a disk, want one", seed)
		}
		worlds = append(worlds, w)
	}
	open := runtime.NumGoroutine()
	for _, w := range worlds {
		if err := w.Close(); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		if s := w.Nodes()[0].Store(); s != nil {
			t.Errorf("got a store after Close, want none")
		}
	}
	// Pebble's goroutines end during Close; allow a moment for stragglers.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > before || open <= before {
		t.Errorf("got %d goroutines after Close (%d with five worlds open), want at most %d as before", got, open, before)
	}
}
