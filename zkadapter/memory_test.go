package zkadapter

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

func TestMemoryCloseEndsSession(t *testing.T) {
	srv := NewMemoryServer()
	recA, recB := newRecorder(), newRecorder()
	a := openSession(t, srv.Connect(0, recA.sink), recA)
	bc := srv.Connect(0, recB.sink)
	defer bc.Close()
	b := openSession(t, bc, recB)
	if a.ID() == b.ID() {
		t.Fatalf("session ids: got %#x twice, want distinct", int64(a.ID()))
	}
	mustOK(t, a, core.Create{Path: "/p"})
	e := mustOK(t, a, core.Create{Path: "/p/e", Mode: core.EphemeralSequential}).Path
	mustOK(t, b, core.Exists{Path: e, Watch: true})
	mustOK(t, b, core.Children{Path: "/p", Watch: true})

	if err := a.c.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	want := []core.WatchFired{{Type: core.NodeDeleted, Path: e}, {Type: core.NodeChildrenChanged, Path: "/p"}}
	if got := b.Watches(); !slices.Equal(got, want) {
		t.Fatalf("watches after the owner closed: got %v, want %v", got, want)
	}
	if r := b.Do(core.Exists{Path: "/p"}); r.Code != core.CodeOK || r.Stat.NumChildren != 0 {
		t.Fatalf("parent after the owner closed: got %s %+v, want OK with no children", r, r.Stat)
	}
	n := recA.len()
	a.c.Submit(core.Coord{Op: 99, Req: core.Exists{Path: "/"}}) // ignored after Close
	if err := a.c.Close(); err != nil {
		t.Fatalf("second Close: got %v, want nil", err)
	}
	if got := recA.len(); got != n {
		t.Fatalf("events after Close: got %d more, want none", got-n)
	}
}

func TestMemoryOwnWatchBeforeResult(t *testing.T) {
	srv := NewMemoryServer()
	rec := newRecorder()
	c := srv.Connect(0, rec.sink)
	defer c.Close()
	s := openSession(t, c, rec)
	mustOK(t, s, core.Create{Path: "/a"})
	mustOK(t, s, core.GetData{Path: "/a", Watch: true})
	from := rec.len()
	c.Submit(core.Coord{Op: 50, Req: core.SetData{Path: "/a", Version: core.AnyVersion}})
	end := rec.waitFor(t, from, "the set's result", isResult(50))
	got := rec.snapshot()[from : end+1]
	if len(got) != 2 || got[0] != (core.WatchFired{Type: core.NodeDataChanged, Path: "/a"}) {
		t.Fatalf("events: got %v, want the watch, then the result", got)
	}
}

func TestMemoryQueueFullFailsFast(t *testing.T) {
	// A sink that blocks lets events pile up; past the bound Submit fails.
	srv := NewMemoryServer()
	release := make(chan struct{})
	var mu sync.Mutex
	var got []core.Event
	c := srv.Connect(0, func(ev core.Event) {
		<-release
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	})
	// The first event (Connected) is held by the sink; memoryEventsQueuedMax
	// results fill the queue; the next request is rejected.
	for op := range core.OpID(memoryEventsQueuedMax + 2) {
		c.Submit(core.Coord{Op: op + 1, Req: core.Exists{Path: "/"}})
	}
	close(release)
	deadline := time.Now().Add(waitMax)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == memoryEventsQueuedMax+3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events delivered: got %d, want %d", n, memoryEventsQueuedMax+3)
		}
		time.Sleep(time.Millisecond)
	}
	c.Close()
	codes := map[core.Code]int{}
	for _, ev := range got {
		if r, ok := ev.(core.CoordResult); ok {
			codes[r.Reply.Code]++
		}
	}
	// The sink holds Connected (or it is still queued): the queue fills
	// with memoryEventsQueuedMax results at most, the rest are rejected.
	if codes[core.CodeConnectionLoss] < 2 || codes[core.CodeOK]+codes[core.CodeConnectionLoss] != memoryEventsQueuedMax+2 {
		t.Fatalf("result codes: got %v, want %d results, at least 2 ConnectionLoss", codes, memoryEventsQueuedMax+2)
	}
}
