package realnet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

func payloadN(i int) []byte { return []byte("m" + strconv.Itoa(i)) }

// inOrder reports whether got holds payloads m<k>, m<k+1>, ... from one
// sender, and returns the first index.
func checkOrder(t *testing.T, got []core.Recv, from core.NodeID) {
	t.Helper()
	prev := -1
	for i, r := range got {
		if r.From != from {
			t.Fatalf("message %d: got from %s, want %s", i, r.From, from)
		}
		n, err := strconv.Atoi(string(r.Payload[1:]))
		if err != nil || n <= prev {
			t.Fatalf("message %d: got %q after m%d, want increasing", i, r.Payload, prev)
		}
		prev = n
	}
}

func TestTransportDeliversInOrder(t *testing.T) {
	checkNoLeak(t)
	ca, cb := newCollector(), newCollector()
	a := listen(t, "127.0.0.1:0", 0, ca.sink)
	b := listen(t, "127.0.0.1:0", 0, cb.sink)
	defer a.Close()
	defer b.Close()
	const n = 5000
	for i := range n {
		if err := a.Send(core.Send{To: core.NodeID(b.Addr()), Payload: payloadN(i)}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if err := b.Send(core.Send{To: core.NodeID(a.Addr()), Payload: []byte("back")}); err != nil {
		t.Fatal(err)
	}
	got := cb.waitFor(t, "all messages", func(r []core.Recv) bool { return len(r) >= n })
	if len(got) != n {
		t.Fatalf("got %d messages, want %d", len(got), n)
	}
	checkOrder(t, got, core.NodeID(a.Addr()))
	back := ca.waitFor(t, "the answer", func(r []core.Recv) bool { return len(r) == 1 })
	if string(back[0].Payload) != "back" || back[0].From != core.NodeID(b.Addr()) {
		t.Fatalf("got %v, want back from %s", back[0], b.Addr())
	}
	s := a.Stats()
	if s.FramesSent != n || s.Peers != 1 || s.Dropped != 0 {
		t.Fatalf("sender stats: got %+v, want %d frames sent to 1 peer, none dropped", s, n)
	}
	if q := a.QueuedBytes(core.NodeID(b.Addr())); q != 0 {
		t.Fatalf("queued bytes after delivery: got %d, want 0", q)
	}
}

// A wire error on an inbound connection closes that connection, is counted,
// and leaves the transport serving others.
func TestTransportBadFrameClosesConnection(t *testing.T) {
	checkNoLeak(t)
	cb := newCollector()
	b := listen(t, "127.0.0.1:0", 0, cb.sink)
	defer b.Close()
	tests := []struct {
		name  string
		bytes []byte
	}{
		{"oversized", binary.BigEndian.AppendUint32(appendHello(nil, "evil"), PayloadBytesMax+1)},
		{"truncated", append(binary.BigEndian.AppendUint32(appendHello(nil, "evil"), 100), "only this"...)},
		{"bad version", append(append(magic[:], 7), 0, 1, 'x')},
		{"hello cut", magic[:2]},
	}
	for i, tt := range tests {
		c, err := net.Dial("tcp", b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(tt.bytes); err != nil {
			t.Fatal(err)
		}
		if cw, ok := c.(*net.TCPConn); ok && tt.name != "oversized" {
			_ = cw.CloseWrite() // the truncation: nothing more will come
		}
		_ = c.SetReadDeadline(time.Now().Add(waitMax))
		n, err := c.Read(make([]byte, 1))
		if n != 0 || (err != io.EOF && !isReset(err)) {
			t.Errorf("%s: read after the bad input: got %d, %v; want the connection closed", tt.name, n, err)
		}
		c.Close()
		if got := b.Stats().WireErrors; got != uint64(i+1) {
			t.Errorf("%s: wire errors: got %d, want %d", tt.name, got, i+1)
		}
	}
	a := listen(t, "127.0.0.1:0", 0, func(core.Event) {})
	defer a.Close()
	if err := a.Send(core.Send{To: core.NodeID(b.Addr()), Payload: []byte("fine")}); err != nil {
		t.Fatal(err)
	}
	got := cb.waitFor(t, "a good message", func(r []core.Recv) bool { return len(r) == 1 })
	if string(got[0].Payload) != "fine" {
		t.Fatalf("got %q, want fine", got[0].Payload)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// After the receiver restarts on the same address, messages flow again.
func TestTransportReconnectsAfterPeerRestart(t *testing.T) {
	checkNoLeak(t)
	a := listen(t, "127.0.0.1:0", 0, func(core.Event) {})
	defer a.Close()
	addr := freeAddr(t)
	c1 := newCollector()
	b1 := listen(t, addr, 0, c1.sink)
	to := core.NodeID(addr)
	if err := a.Send(core.Send{To: to, Payload: payloadN(0)}); err != nil {
		t.Fatal(err)
	}
	c1.waitFor(t, "the first message", func(r []core.Recv) bool { return len(r) == 1 })
	if err := b1.Close(); err != nil {
		t.Fatal(err)
	}
	// Sent while b is down: lost or queued, never an error while the queue has room.
	for i := 1; i <= 3; i++ {
		if err := a.Send(core.Send{To: to, Payload: payloadN(i)}); err != nil {
			t.Fatalf("send %d while down: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c2 := newCollector()
	b2 := listen(t, addr, 0, c2.sink)
	defer b2.Close()
	// Keep sending until the restarted peer hears; the first few may be lost.
	deadline := time.Now().Add(waitMax)
	next := 4
	for len(c2.received()) == 0 && time.Now().Before(deadline) {
		if err := a.Send(core.Send{To: to, Payload: payloadN(next)}); err != nil {
			t.Fatalf("send %d: %v", next, err)
		}
		next++
		time.Sleep(20 * time.Millisecond)
	}
	got := c2.received()
	if len(got) == 0 {
		t.Fatalf("restarted peer: got nothing after %v, want messages flowing again", waitMax)
	}
	checkOrder(t, got, core.NodeID(a.Addr()))
	if s := a.Stats(); s.Dials < 2 {
		t.Fatalf("dials: got %d, want at least 2 (a reconnect)", s.Dials)
	}
}

// With the peer down, the queue fills and Send reports backpressure; the
// queue holds no more than its bound.
func TestTransportBackpressureWhenPeerDown(t *testing.T) {
	checkNoLeak(t)
	const queueBytes, payloadBytes = 1000, 100 - frameHeaderBytes // 10 frames of 100 bytes
	a := listen(t, "127.0.0.1:0", queueBytes, func(core.Event) {})
	defer a.Close()
	down := core.NodeID(freeAddr(t))
	accepted := 0
	var err error
	for range 100 {
		if err = a.Send(core.Send{To: down, Payload: make([]byte, payloadBytes)}); err != nil {
			break
		}
		accepted++
	}
	if !errors.Is(err, ErrBackpressure) {
		t.Fatalf("send to a down peer: got %v, want ErrBackpressure", err)
	}
	if accepted != queueBytes/100 {
		t.Fatalf("accepted: got %d payloads, want %d", accepted, queueBytes/100)
	}
	if q := a.QueuedBytes(down); q != queueBytes {
		t.Fatalf("queued bytes: got %d, want %d", q, queueBytes)
	}
	if s := a.Stats(); s.Backpressured != 1 {
		t.Fatalf("backpressured: got %d, want 1", s.Backpressured)
	}
	// The peer comes up: the queue drains and Send works again.
	cb := newCollector()
	b := listen(t, string(down), 0, cb.sink)
	defer b.Close()
	cb.waitFor(t, "the queued payloads", func(r []core.Recv) bool { return len(r) == accepted })
	if err := a.Send(core.Send{To: down, Payload: []byte("after")}); err != nil {
		t.Fatalf("send after the peer came up: got %v, want nil", err)
	}
}

func TestTransportRefusesOversizedPayload(t *testing.T) {
	checkNoLeak(t)
	a := listen(t, "127.0.0.1:0", 0, func(core.Event) {})
	defer a.Close()
	err := a.Send(core.Send{To: "127.0.0.1:1", Payload: make([]byte, PayloadBytesMax+1)})
	if !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("got %v, want ErrPayloadTooLarge", err)
	}
	a.Close()
	if err := a.Send(core.Send{To: "127.0.0.1:1", Payload: []byte("x")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("send after close: got %v, want ErrClosed", err)
	}
}

// HTTP on the transport's port, while the transport carries messages.
func TestTransportServesHTTPOnItsPort(t *testing.T) {
	checkNoLeak(t)
	cb := newCollector()
	b := listen(t, "127.0.0.1:0", 0, cb.sink)
	defer b.Close()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(b.HTTPListener()) }()

	a := listen(t, "127.0.0.1:0", 0, func(core.Event) {})
	defer a.Close()
	if err := a.Send(core.Send{To: core.NodeID(b.Addr()), Payload: []byte("tuple")}); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitMax}
	for _, path := range []string{"/api/v1/cluster/summary", "/x"} {
		resp, err := client.Get("http://" + b.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "hello "+path {
			t.Fatalf("GET %s: got %q, %v; want %q", path, body, err, "hello "+path)
		}
	}
	cb.waitFor(t, "the transport message", func(r []core.Recv) bool { return len(r) == 1 })
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("serve: got %v, want ErrServerClosed", err)
	}
	// With the HTTP listener closed, an HTTP connection is refused, not hung.
	c, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(waitMax))
	if _, err := bufio.NewReader(c).ReadByte(); err == nil {
		t.Fatal("HTTP after the listener closed: got an answer, want the connection closed")
	}
}

// A sender's new connection supersedes its old one; nothing is delivered
// twice or out of order, and an idle transport has nothing left running after Close.
func TestTransportCloseEndsEverything(t *testing.T) {
	checkNoLeak(t)
	cb := newCollector()
	b := listen(t, "127.0.0.1:0", 0, cb.sink)
	var senders []*Transport
	for range 3 {
		a := listen(t, "127.0.0.1:0", 0, func(core.Event) {})
		senders = append(senders, a)
		for i := range 10 {
			if err := a.Send(core.Send{To: core.NodeID(b.Addr()), Payload: payloadN(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cb.waitFor(t, "30 messages", func(r []core.Recv) bool { return len(r) == 30 })
	// Close the receiver first: senders' writers see their connections end.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second close: got %v, want nil", err)
	}
	for _, a := range senders {
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A second connection from the same NodeID supersedes the first: the
// receiver closes the old one, and the old sender redials when it next sends.
func TestTransportNewConnectionSupersedesOld(t *testing.T) {
	checkNoLeak(t)
	cb := newCollector()
	b := listen(t, "127.0.0.1:0", 0, cb.sink)
	defer b.Close()
	mk := func() *Transport {
		tr, err := Listen(TransportConfig{Self: "sender", Addr: "127.0.0.1:0", Logger: testLogger(t)}, func(core.Event) {})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	a1, a2 := mk(), mk()
	defer a1.Close()
	defer a2.Close()
	to := core.NodeID(b.Addr())
	for i, a := range []*Transport{a1, a2} {
		if err := a.Send(core.Send{To: to, Payload: payloadN(i)}); err != nil {
			t.Fatal(err)
		}
		cb.waitFor(t, "message", func(r []core.Recv) bool { return len(r) == i+1 })
	}
	b.mu.Lock()
	inbound := len(b.inbound)
	b.mu.Unlock()
	if inbound != 1 {
		t.Fatalf("inbound connections from sender: got %d, want 1", inbound)
	}
	// a1's connection was closed by b: its writer notices and redials.
	deadline := time.Now().Add(waitMax)
	for a1.Stats().Dials < 2 && time.Now().Before(deadline) {
		if err := a1.Send(core.Send{To: to, Payload: payloadN(2)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d := a1.Stats().Dials; d < 2 {
		t.Fatalf("dials of the superseded sender: got %d, want 2", d)
	}
}
