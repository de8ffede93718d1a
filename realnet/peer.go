package realnet

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/squall/squall/core"
)

// peer is the outbound side towards one NodeID: a bounded queue of payloads
// and the writer goroutine (run) that owns the one connection to it. The
// writer ends when the transport closes or after peerIdleTimeout with nothing
// queued (it then retires: Send starts a new peer).
type peer struct {
	t    *Transport
	id   core.NodeID
	log  *slog.Logger
	wake chan struct{} // signaled when the queue turns non-empty

	mu      sync.Mutex
	queue   [][]byte // payloads not yet taken by the writer
	spare   [][]byte // the writer's previous batch, reused as the next queue
	bytes   int      // wire bytes (frames) queued or being written
	retired bool     // the writer ended; enqueue refuses
}

type enqueueResult int

const (
	enqueued enqueueResult = iota
	queueFull
	retired
)

func newPeer(t *Transport, id core.NodeID) *peer {
	return &peer{t: t, id: id, log: t.log.With("peer", string(id)), wake: make(chan struct{}, 1)}
}

// enqueue appends payload to the queue unless it is full. An empty queue
// takes any payload, so one larger than the bound still goes out alone.
func (p *peer) enqueue(payload []byte) enqueueResult {
	p.mu.Lock()
	if p.retired {
		p.mu.Unlock()
		return retired
	}
	n := frameHeaderBytes + len(payload) // so that empty payloads count too
	if p.bytes > 0 && p.bytes+n > p.t.cfg.QueueBytesMax {
		p.mu.Unlock()
		return queueFull
	}
	wasEmpty := len(p.queue) == 0
	p.queue = append(p.queue, payload)
	p.bytes += n
	p.mu.Unlock()
	if wasEmpty {
		select {
		case p.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return enqueued
}

func (p *peer) queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes
}

// take hands the writer everything queued.
func (p *peer) take() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	batch := p.queue
	p.queue = p.spare[:0]
	p.spare = nil
	return batch
}

// release ends the writer's hold on batch: its bytes leave the count and
// its slice becomes the next spare.
func (p *peer) release(batch [][]byte) {
	n := 0
	for i, b := range batch {
		n += frameHeaderBytes + len(b)
		batch[i] = nil // let the payloads go
	}
	p.mu.Lock()
	p.bytes -= n
	core.Assert(p.bytes >= 0, "realnet: peer %s: queued bytes went negative", p.id)
	p.spare = batch[:0]
	p.mu.Unlock()
}

// dropQueue drops everything queued, counting it.
func (p *peer) dropQueue() {
	batch := p.take()
	p.t.stats.dropped.Add(uint64(len(batch)))
	p.release(batch)
}

// retire marks the peer ended if its queue is empty, removing it from the
// transport, and reports whether it did.
func (p *peer) retire() bool {
	p.t.mu.Lock()
	defer p.t.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.queue) > 0 {
		return false
	}
	p.retired = true
	if p.t.peers[p.id] == p {
		delete(p.t.peers, p.id)
	}
	return true
}

// outConn is the writer's connection; dead is set by its watcher when the
// peer closes it, so that the writer redials before writing into it.
type outConn struct {
	c    net.Conn
	w    *bufio.Writer
	dead atomic.Bool
}

// run is the writer goroutine: wait for payloads, connect, write them
// coalesced, and on any error drop the connection and start over.
func (p *peer) run() {
	defer p.t.wg.Done()
	var oc *outConn
	defer func() {
		if oc != nil {
			p.t.untrack(oc.c)
		}
	}()
	idle := time.NewTimer(peerIdleTimeout)
	defer idle.Stop()
	var b backoff
	for {
		if !p.waitQueued(idle) {
			return
		}
		if oc != nil && oc.dead.Load() {
			p.t.untrack(oc.c)
			oc = nil
		}
		if oc == nil {
			var ok bool
			if oc, ok = p.connect(&b); !ok {
				return
			}
			if oc == nil {
				continue // unreachable too long: the queue was dropped
			}
		}
		if err := p.writeQueued(oc); err != nil {
			if p.t.ctx.Err() == nil {
				p.log.Warn("realnet: connection lost", "err", err)
			}
			p.t.untrack(oc.c)
			oc = nil
			// A peer that accepts and then fails every write must not be
			// redialed in a tight loop.
			if !p.t.sleep(b.next()) {
				return
			}
			continue
		}
		b.reset()
	}
}

// waitQueued waits until something is queued. It reports false when the
// writer must end: the transport closed, or the peer retired after idling.
func (p *peer) waitQueued(idle *time.Timer) bool {
	idle.Reset(peerIdleTimeout)
	for {
		p.mu.Lock()
		n := len(p.queue)
		p.mu.Unlock()
		if n > 0 {
			return true
		}
		select {
		case <-p.wake:
		case <-p.t.ctx.Done():
			return false
		case <-idle.C:
			if p.retire() {
				return false
			}
			idle.Reset(peerIdleTimeout)
		}
	}
}

// writeQueued writes batches until the queue is empty, then flushes: the
// write coalescing. A failed write loses the batch it was writing.
func (p *peer) writeQueued(oc *outConn) error {
	w := oc.w
	for {
		batch := p.take()
		// A peer that takes nothing for writeStallTimeout is taken for dead
		// (a host gone without a reset); a slow one makes progress in time.
		_ = oc.c.SetWriteDeadline(time.Now().Add(writeStallTimeout)) // a failure shows on the write
		if len(batch) == 0 {
			return w.Flush()
		}
		var bytes uint64
		for i, payload := range batch {
			if err := writeFrame(w, payload); err != nil {
				p.t.stats.dropped.Add(uint64(len(batch) - i))
				p.release(batch)
				return err
			}
			bytes += uint64(len(payload))
		}
		p.t.stats.framesSent.Add(uint64(len(batch)))
		p.t.stats.bytesSent.Add(bytes)
		p.release(batch)
	}
}

var errTooManyConns = errors.New("realnet: too many connections")

// connect dials the peer until it answers, backing off between failures. It
// returns ok=false when the transport closed, and a nil connection with
// ok=true when the peer stayed unreachable for peerUnreachableDropAfter (its
// queue is then dropped).
func (p *peer) connect(b *backoff) (oc *outConn, ok bool) {
	var downSince time.Time
	for {
		c, err := p.dial()
		if err == nil {
			err = p.handshake(c)
		}
		if err == nil {
			oc = &outConn{c: c, w: bufio.NewWriterSize(c, writeBufferBytes)}
			if !p.t.track(c, func() { watch(oc) }) {
				err = errTooManyConns // or closed: tested below
			}
		}
		if err == nil {
			if !downSince.IsZero() {
				p.log.Warn("realnet: peer reachable again", "after", time.Since(downSince).Round(time.Millisecond))
			}
			if len(p.t.cfg.Secret) == 0 {
				_, _ = oc.w.Write(appendHello(nil, p.t.cfg.Self)) // an error recurs on the next write
			}
			return oc, true
		}
		if p.t.ctx.Err() != nil {
			return nil, false
		}
		p.t.stats.dialFailures.Add(1)
		if downSince.IsZero() {
			downSince = time.Now()
			p.log.Warn("realnet: peer unreachable, retrying with backoff", "err", err)
		}
		if time.Since(downSince) >= peerUnreachableDropAfter {
			p.log.Warn("realnet: peer unreachable too long, dropping its queue",
				"for", time.Since(downSince).Round(time.Millisecond), "bytes", p.queued())
			p.dropQueue()
			return nil, true
		}
		if !p.t.sleep(b.next()) {
			return nil, false
		}
	}
}

// handshake sends the hello on a new connection and, with a cluster
// secret, answers the peer's challenge before anything else is written. It
// closes c on failure.
func (p *peer) handshake(c net.Conn) error {
	if len(p.t.cfg.Secret) == 0 {
		return nil // connect buffers the hello ahead of the first frames
	}
	_ = c.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	_, err := c.Write(appendHello(nil, p.t.cfg.Self))
	if err == nil {
		err = answer(c, p.t.cfg.Secret, p.t.cfg.Self)
	}
	if err != nil {
		_ = c.Close()
	}
	return err
}

func (p *peer) dial() (net.Conn, error) {
	p.t.stats.dials.Add(1)
	addr, err := p.t.cfg.Resolve(p.id)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(p.t.ctx, "tcp", addr)
	if err != nil || p.t.cfg.TLS == nil {
		return c, err
	}
	return p.t.tlsClient(c, addr)
}

// watch reads the outbound connection, on which the peer never writes, so
// that a close by the peer is seen before the next write rather than by it.
// It ends when the connection does.
func watch(oc *outConn) {
	_, _ = io.Copy(io.Discard, oc.c) // returns when the connection ends, by either side
	oc.dead.Store(true)
}

// backoff is the delay between failed dials.
type backoff struct{ d time.Duration }

func (b *backoff) reset() { b.d = 0 }

func (b *backoff) next() time.Duration {
	b.d = min(max(2*b.d, backoffMin), backoffMax)
	return b.d + time.Duration(rand.Int64N(int64(b.d)*backoffJitterPercent/100+1))
}
