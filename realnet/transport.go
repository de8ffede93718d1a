package realnet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/squall/squall/core"
)

// Bounds and timings of the transport.
const (
	// QueueBytesDefault is a peer's outbound queue when the config sets none.
	QueueBytesDefault = 4 << 20
	// writeBufferBytes is the writer's coalescing buffer: everything queued
	// goes through it, and it is flushed only when the queue is empty, so a
	// busy peer gets 64 KiB writes rather than one syscall per payload.
	writeBufferBytes = 64 << 10
	readBufferBytes  = 64 << 10

	// Reconnection: the delay between failed dials doubles from backoffMin up
	// to backoffMax, with up to backoffJitterPercent added so that peers of a
	// restarted process do not dial in lockstep.
	backoffMin           = 20 * time.Millisecond
	backoffMax           = 2 * time.Second
	backoffJitterPercent = 25
	dialTimeout          = 2 * time.Second
	// writeStallTimeout: a connection whose writes make no progress for this
	// long is dropped and redialed.
	writeStallTimeout = time.Minute
	// peerUnreachableDropAfter: a peer that cannot be reached for this long
	// has its queue dropped (the contract allows losing what a reset loses),
	// so a dead peer holds no memory and its writer can retire.
	peerUnreachableDropAfter = 30 * time.Second
	// peerIdleTimeout: a writer whose queue stayed empty this long closes its
	// connection and ends; the next Send to the peer starts a new one.
	peerIdleTimeout = 2 * time.Minute

	// helloTimeout bounds how long an accepted connection may take to show its
	// first byte and, for a transport connection, its whole hello.
	helloTimeout = 10 * time.Second
	// acceptRetryDelay is the pause after a failed Accept (out of file
	// descriptors, say) before the next.
	acceptRetryDelay = 50 * time.Millisecond
	// httpAcceptQueueMax bounds the HTTP connections waiting for
	// HTTPListener().Accept; past it a new one is closed.
	httpAcceptQueueMax = 64
	// connsMax bounds the open transport connections, inbound and outbound
	// (each has a goroutine or two); past it an accepted one is closed.
	connsMax = 4096
	// PeersMax bounds the peers a transport sends to at once; Send to one
	// more fails with ErrTooManyPeers until an idle writer retires.
	PeersMax = 4096
)

// Sentinel errors of Send.
var (
	// ErrBackpressure: the destination's queue is full. The payload was not
	// queued; the caller may drop it or slow down.
	ErrBackpressure = errors.New("realnet: peer queue full")
	// ErrClosed: the transport is closed.
	ErrClosed = errors.New("realnet: transport closed")
	// ErrPayloadTooLarge: the payload is over PayloadBytesMax.
	ErrPayloadTooLarge = errors.New("realnet: payload over PayloadBytesMax")
	// ErrTooManyPeers: the transport already sends to PeersMax peers.
	ErrTooManyPeers = errors.New("realnet: too many peers")
)

// TransportConfig configures Listen.
type TransportConfig struct {
	// Self is this process's NodeID, sent in the hello of every connection it
	// dials.
	Self core.NodeID
	// Addr is the listen address, e.g. "127.0.0.1:6627"; port 0 picks one
	// (see Transport.Addr).
	Addr string
	// Resolve maps a NodeID to the host:port to dial. Nil means the NodeID is
	// itself a host:port.
	Resolve func(core.NodeID) (string, error)
	// Logger receives connection events and wire errors; nil means slog.Default().
	Logger *slog.Logger
	// QueueBytesMax bounds each peer's outbound queue, in wire bytes: each
	// payload counts with its 4-byte length. Zero means QueueBytesDefault.
	QueueBytesMax int
	// Secret is the cluster's shared secret: every inbound connection must
	// prove it holds it before its frames are delivered, and every outbound
	// one proves it (see handshake.go). Nil: no handshake.
	Secret []byte
	// TLS, when set, makes every connection of the port TLS (see tls.go):
	// its Certificates are presented to those who dial, its RootCAs verify
	// those dialed. Nil: plain TCP.
	TLS *tls.Config
}

// TransportStats are counters since Listen.
type TransportStats struct {
	Peers                         int    // peers with a writer now
	FramesSent, BytesSent         uint64 // payloads written to a socket
	FramesReceived, BytesReceived uint64 // payloads handed to the sink
	Backpressured                 uint64 // Sends refused with ErrBackpressure
	Dropped                       uint64 // queued payloads lost to a failed connection or an unreachable peer
	Dials, DialFailures           uint64
	WireErrors                    uint64 // inbound connections closed for a bad hello or frame
}

// Transport carries Send effects between processes over TCP. See the package
// documentation for its goroutines and wire format.
type Transport struct {
	cfg  TransportConfig
	log  *slog.Logger
	sink func(core.Event)
	ln   net.Listener
	http *httpListener

	ctx    context.Context // canceled by Close; ends dials and backoffs
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the transport started

	mu      sync.Mutex
	closed  bool
	peers   map[core.NodeID]*peer
	inbound map[core.NodeID]*inConn
	conns   map[net.Conn]struct{} // every open connection, so that Close can end them

	closeOnce sync.Once
	stats     struct {
		framesSent, bytesSent, framesReceived, bytesReceived atomic.Uint64
		backpressured, dropped, dials, dialFailures          atomic.Uint64
		wireErrors                                           atomic.Uint64
	}
}

// Listen starts a transport listening on cfg.Addr. Every payload received is
// delivered to sink as a core.Recv, from the goroutine reading the sender's
// connection: sink must be safe for concurrent use and should return quickly.
// A sink that blocks (a full Inbox) stops reading that connection, which in
// turn fills the sender's queue: that is how backpressure crosses the network.
func Listen(cfg TransportConfig, sink func(core.Event)) (*Transport, error) {
	core.Assert(sink != nil, "realnet: Listen without a sink")
	core.Assert(len(cfg.Self) > 0 && len(cfg.Self) <= NodeIDBytesMax, "realnet: Self %q: want 1 to %d bytes",
		cfg.Self, NodeIDBytesMax)
	core.Assert(cfg.QueueBytesMax >= 0, "realnet: negative QueueBytesMax %d", cfg.QueueBytesMax)
	core.Assert(len(cfg.Secret) == 0 || len(cfg.Secret) >= secretBytesMin,
		"realnet: a secret of %d bytes, want at least %d", len(cfg.Secret), secretBytesMin)
	if cfg.QueueBytesMax == 0 {
		cfg.QueueBytesMax = QueueBytesDefault
	}
	if cfg.Resolve == nil {
		cfg.Resolve = func(id core.NodeID) (string, error) { return string(id), nil }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("realnet: listen: %w", err)
	}
	t := &Transport{
		cfg:     cfg,
		log:     cfg.Logger.With("self", string(cfg.Self)),
		sink:    sink,
		ln:      ln,
		http:    newHTTPListener(ln.Addr()),
		peers:   make(map[core.NodeID]*peer),
		inbound: make(map[core.NodeID]*inConn),
		conns:   make(map[net.Conn]struct{}),
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.wg.Add(1)
	go t.accept()
	return t, nil
}

// Addr is the address the transport listens on.
func (t *Transport) Addr() string { return t.ln.Addr().String() }

// HTTPListener returns the listener of connections on the transport's port
// that are not transport connections: give it to an http.Server to serve
// HTTP on the same port. Closing it stops the hand-over; the transport goes on.
func (t *Transport) HTTPListener() net.Listener { return t.http }

// Send queues e.Payload for e.To and returns at once; a writer goroutine per
// peer sends it. The transport keeps the payload: the caller must not modify
// it afterwards. When the peer's queue is full Send returns an error matching
// ErrBackpressure and queues nothing. Payloads to one peer go out in order;
// a connection reset loses what was in flight on it.
func (t *Transport) Send(e core.Send) error {
	if len(e.Payload) > PayloadBytesMax {
		return fmt.Errorf("realnet: send to %s: %w: %d bytes", e.To, ErrPayloadTooLarge, len(e.Payload))
	}
	// A writer that retires between peerFor and enqueue refuses the payload;
	// the second round finds a new writer. The bound only guards the logic.
	const attemptsMax = 3
	for range attemptsMax {
		p, err := t.peerFor(e.To)
		if err != nil {
			return err
		}
		switch p.enqueue(e.Payload) {
		case enqueued:
			return nil
		case queueFull:
			t.stats.backpressured.Add(1)
			return fmt.Errorf("realnet: send to %s: %w (%d bytes queued)", e.To, ErrBackpressure, p.queued())
		case retired:
		}
	}
	core.Assert(false, "realnet: send to %s: writer retired %d times in a row", e.To, attemptsMax)
	return nil
}

// QueuedBytes is the wire bytes (payloads and their lengths) queued for to
// and not yet written.
func (t *Transport) QueuedBytes(to core.NodeID) int {
	t.mu.Lock()
	p := t.peers[to]
	t.mu.Unlock()
	if p == nil {
		return 0
	}
	return p.queued()
}

// Stats returns the transport's counters.
func (t *Transport) Stats() TransportStats {
	t.mu.Lock()
	peers := len(t.peers)
	t.mu.Unlock()
	s := &t.stats
	return TransportStats{
		Peers:      peers,
		FramesSent: s.framesSent.Load(), BytesSent: s.bytesSent.Load(),
		FramesReceived: s.framesReceived.Load(), BytesReceived: s.bytesReceived.Load(),
		Backpressured: s.backpressured.Load(), Dropped: s.dropped.Load(),
		Dials: s.dials.Load(), DialFailures: s.dialFailures.Load(),
		WireErrors: s.wireErrors.Load(),
	}
}

// Close stops listening, closes every connection, and waits for every
// goroutine of the transport to end, including sink calls in progress.
// Payloads still queued are dropped. Close is idempotent.
func (t *Transport) Close() error {
	var err error
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		conns := make([]net.Conn, 0, len(t.conns))
		for c := range t.conns {
			conns = append(conns, c)
		}
		t.mu.Unlock()
		t.cancel()
		err = t.ln.Close()
		for _, c := range conns {
			_ = c.Close() // ending them is the point; their errors say nothing new
		}
		_ = t.http.Close() // it never fails
		t.wg.Wait()
	})
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("realnet: close: %w", err)
	}
	return nil
}

// peerFor returns the writer of id, starting one if needed.
func (t *Transport) peerFor(id core.NodeID) (*peer, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	if p := t.peers[id]; p != nil {
		return p, nil
	}
	if len(t.peers) >= PeersMax {
		return nil, fmt.Errorf("realnet: send to %s: %w (%d)", id, ErrTooManyPeers, PeersMax)
	}
	p := newPeer(t, id)
	t.peers[id] = p
	t.wg.Add(1)
	go p.run()
	return p, nil
}

// track records an open connection so that Close ends it, and starts fn on it
// as a goroutine of the transport. It reports false, having closed c, when
// the transport is closed or already holds connsMax connections.
func (t *Transport) track(c net.Conn, fn func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		_ = c.Close()
		return false
	}
	if len(t.conns) >= connsMax {
		t.log.Warn("realnet: too many connections, closing a new one", "max", connsMax,
			"remote", c.RemoteAddr().String())
		_ = c.Close()
		return false
	}
	t.conns[c] = struct{}{}
	if fn != nil {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			fn()
		}()
	}
	return true
}

// untrack closes c and forgets it.
// retrack makes wrapped (a TLS connection over raw) the connection tracked
// in raw's place, so that untrack and Close find it.
func (t *Transport) retrack(raw, wrapped net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.conns[raw]; !ok {
		return // closed meanwhile: the wrapper's I/O fails on its own
	}
	delete(t.conns, raw)
	t.conns[wrapped] = struct{}{}
}

func (t *Transport) untrack(c net.Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	_ = c.Close() // may already be closed; either way it is gone
}

// sleep waits d or until the transport closes, and reports whether it is open.
func (t *Transport) sleep(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.ctx.Done():
		return false
	}
}
