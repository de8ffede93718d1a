package realnet

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

func TestBackoffIsBounded(t *testing.T) {
	var b backoff
	jitterMax := func(d time.Duration) time.Duration { return d + d*backoffJitterPercent/100 }
	want := []time.Duration{20, 40, 80, 160, 320, 640, 1280, 2000, 2000}
	for i, w := range want {
		w *= time.Millisecond
		if got := b.next(); got < w || got > jitterMax(w) {
			t.Fatalf("delay %d: got %v, want %v to %v", i, got, w, jitterMax(w))
		}
	}
	b.reset()
	if got := b.next(); got < backoffMin || got > jitterMax(backoffMin) {
		t.Fatalf("after reset: got %v, want %v to %v", got, backoffMin, jitterMax(backoffMin))
	}
}

// A retired writer refuses payloads; Send then starts a new one and the
// payload still arrives.
func TestPeerRetiredIsReplaced(t *testing.T) {
	checkNoLeak(t)
	cb := newCollector()
	b := listen(t, "127.0.0.1:0", 0, cb.sink)
	defer b.Close()
	a := listen(t, "127.0.0.1:0", 0, func(core.Event) {})
	defer a.Close()
	to := core.NodeID(b.Addr())
	old, err := a.peerFor(to)
	if err != nil {
		t.Fatal(err)
	}
	if old.enqueue([]byte("x")) != enqueued || old.retire() {
		t.Fatal("retire with a payload queued: got true, want false")
	}
	cb.waitFor(t, "the first payload", func(r []core.Recv) bool { return len(r) == 1 })
	if !old.retire() {
		t.Fatal("retire with an empty queue: got false, want true")
	}
	if got := old.enqueue([]byte("y")); got != retired {
		t.Fatalf("enqueue to a retired peer: got %d, want retired", got)
	}
	if err := a.Send(core.Send{To: to, Payload: []byte("z")}); err != nil {
		t.Fatal(err)
	}
	got := cb.waitFor(t, "the payload after the retirement", func(r []core.Recv) bool { return len(r) == 2 })
	if string(got[1].Payload) != "z" {
		t.Fatalf("got %q, want z", got[1].Payload)
	}
	if p, _ := a.peerFor(to); p == old {
		t.Fatal("peer after retirement: got the retired one, want a new one")
	}
}

func TestTransportBoundsPeers(t *testing.T) {
	checkNoLeak(t)
	a := listen(t, "127.0.0.1:0", 0, func(core.Event) {})
	defer a.Close()
	a.mu.Lock()
	for i := range PeersMax {
		id := core.NodeID("fake-" + strconv.Itoa(i))
		a.peers[id] = newPeer(a, id) // no writer: only its place counts
	}
	a.mu.Unlock()
	err := a.Send(core.Send{To: "one-more", Payload: []byte("x")})
	if !errors.Is(err, ErrTooManyPeers) {
		t.Fatalf("send to peer %d: got %v, want ErrTooManyPeers", PeersMax+1, err)
	}
	if err := a.Send(core.Send{To: "fake-7", Payload: []byte("x")}); err != nil {
		t.Fatalf("send to a known peer: got %v, want nil", err)
	}
}
