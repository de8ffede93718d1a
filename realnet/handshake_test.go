package realnet

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

var testSecret = []byte("cluster-secret-0123456789")

func listenSecret(t *testing.T, secret []byte, sink func(core.Event)) *Transport {
	t.Helper()
	addr := freeAddr(t)
	tr, err := Listen(TransportConfig{Self: core.NodeID(addr), Addr: addr, Logger: testLogger(t), Secret: secret}, sink)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Two transports with the same secret exchange messages both ways.
func TestHandshakeSameSecretDelivers(t *testing.T) {
	checkNoLeak(t)
	ca, cb := newCollector(), newCollector()
	a, b := listenSecret(t, testSecret, ca.sink), listenSecret(t, testSecret, cb.sink)
	defer a.Close()
	defer b.Close()
	for i := range 100 {
		if err := a.Send(core.Send{To: core.NodeID(b.Addr()), Payload: payloadN(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(core.Send{To: core.NodeID(a.Addr()), Payload: []byte("back")}); err != nil {
		t.Fatal(err)
	}
	checkOrder(t, cb.waitFor(t, "100 messages", func(r []core.Recv) bool { return len(r) == 100 }), core.NodeID(a.Addr()))
	ca.waitFor(t, "the answer", func(r []core.Recv) bool { return len(r) == 1 })
}

// A sender without the secret, or with another one, delivers nothing, and
// the receiver counts the refusal.
func TestHandshakeRefusesStrangers(t *testing.T) {
	checkNoLeak(t)
	cb := newCollector()
	b := listenSecret(t, testSecret, cb.sink)
	defer b.Close()
	for i, secret := range [][]byte{nil, []byte("another-secret-0123456789")} {
		a := listenSecret(t, secret, func(core.Event) {})
		for j := range 10 {
			_ = a.Send(core.Send{To: core.NodeID(b.Addr()), Payload: payloadN(j)})
		}
		deadline := time.Now().Add(waitMax)
		for b.Stats().WireErrors <= uint64(i) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		a.Close()
	}
	if got := b.Stats().WireErrors; got < 2 {
		t.Errorf("got %d refused connections, want at least 2", got)
	}
	if got := cb.received(); len(got) != 0 {
		t.Errorf("got %d messages from strangers, want none", len(got))
	}
}

// A hand-written connection that replays a proof made for another
// challenge, or claims another identity, is refused.
func TestHandshakeProofIsBoundToChallengeAndIdentity(t *testing.T) {
	checkNoLeak(t)
	cb := newCollector()
	b := listenSecret(t, testSecret, cb.sink)
	defer b.Close()
	dial := func(id core.NodeID, proofFor func(nonce []byte) []byte) {
		c, err := net.Dial("tcp", b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = c.Write(appendHello(nil, id))
		nonce := make([]byte, challengeBytes)
		_ = c.SetReadDeadline(time.Now().Add(waitMax))
		if _, err := bufio.NewReader(c).Read(nonce); err != nil {
			t.Fatalf("reading the challenge: %v", err)
		}
		w := bufio.NewWriter(c)
		_, _ = w.Write(proofFor(nonce))
		_ = writeFrame(w, []byte("injected"))
		_ = w.Flush()
		_, _ = c.Read(make([]byte, 1)) // until the receiver closes
	}
	stale := make([]byte, challengeBytes)
	dial("mallory", func([]byte) []byte { return proof(testSecret, stale, "mallory") })
	dial("mallory", func(n []byte) []byte { return proof(testSecret, n, "someone-else") })
	dial("mallory", func(n []byte) []byte { return proof(testSecret, n, "mallory") }) // the honest one
	got := cb.waitFor(t, "the honest frame", func(r []core.Recv) bool { return len(r) >= 1 })
	if len(got) != 1 || got[0].From != "mallory" || !strings.HasPrefix(string(got[0].Payload), "injected") {
		t.Errorf("got %v, want exactly the one frame with a valid proof", got)
	}
	if w := b.Stats().WireErrors; w != 2 {
		t.Errorf("got %d refused connections, want 2", w)
	}
}
