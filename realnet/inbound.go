package realnet

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/squall/squall/core"
)

// inConn is an identified inbound transport connection: the reader
// goroutine of one peer's connection.
type inConn struct {
	from       core.NodeID
	c          net.Conn
	superseded atomic.Bool   // a newer connection from the same peer took over
	done       chan struct{} // closed when the reader ends: it delivers nothing after
}

// accept is the accept goroutine. It ends when Close closes the listener.
func (t *Transport) accept() {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || t.ctx.Err() != nil {
				return
			}
			t.log.Warn("realnet: accept failed", "err", err)
			if !t.sleep(acceptRetryDelay) {
				return
			}
			continue
		}
		t.track(c, func() { t.serve(c) })
	}
}

// serve sniffs an accepted connection: a first byte other than the magic's
// hands it to the HTTP listener, with what was read replayed; otherwise it
// reads the hello and then frames until the connection ends.
func (t *Transport) serve(raw net.Conn) {
	c := raw
	if t.cfg.TLS != nil {
		var err error
		if c, err = t.tlsServer(raw); err != nil {
			t.stats.wireErrors.Add(1)
			t.log.Warn("realnet: closing inbound connection", "remote", raw.RemoteAddr().String(), "err", err)
			t.untrack(raw)
			return
		}
		t.retrack(raw, c)
	}
	r := bufio.NewReaderSize(c, readBufferBytes)
	_ = c.SetReadDeadline(time.Now().Add(helloTimeout)) // a failure shows on the read
	first, err := r.Peek(1)
	if err != nil {
		t.untrack(c)
		return
	}
	if first[0] != magic[0] {
		_ = c.SetReadDeadline(time.Time{})
		t.handToHTTP(c, r)
		return
	}
	from, err := readHello(r)
	if err != nil {
		t.stats.wireErrors.Add(1)
		t.log.Warn("realnet: closing inbound connection: bad hello", "remote", c.RemoteAddr().String(), "err", err)
		t.untrack(c)
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	if len(t.cfg.Secret) > 0 {
		if err := challenge(c, r, t.cfg.Secret, from); err != nil {
			t.stats.wireErrors.Add(1)
			t.log.Warn("realnet: closing inbound connection: not authenticated", "remote", c.RemoteAddr().String(), "err", err)
			t.untrack(c)
			return
		}
	}
	ic := &inConn{from: from, c: c, done: make(chan struct{})}
	defer t.untrack(c)
	defer close(ic.done)
	if !t.register(ic) {
		return
	}
	defer t.unregister(ic)
	t.read(ic, r)
}

// read delivers the frames of ic to the sink until the connection ends.
func (t *Transport) read(ic *inConn, r *bufio.Reader) {
	for {
		payload, err := readFrame(r)
		if err != nil {
			switch {
			case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), ic.superseded.Load(), t.ctx.Err() != nil:
			case errors.Is(err, ErrFrameTooLarge), errors.Is(err, ErrTruncated):
				t.stats.wireErrors.Add(1)
				t.log.Warn("realnet: closing inbound connection: bad frame", "peer", string(ic.from), "err", err)
			default:
				t.log.Warn("realnet: inbound connection lost", "peer", string(ic.from), "err", err)
			}
			return
		}
		if ic.superseded.Load() {
			return // the rest of this connection is the suffix a reset loses
		}
		t.stats.framesReceived.Add(1)
		t.stats.bytesReceived.Add(uint64(len(payload)))
		t.sink(core.Recv{From: ic.from, Payload: payload})
	}
}

// register makes ic the connection of its peer. An older one from the same
// peer is closed and its reader waited for first, so that nothing it still
// holds is delivered after what the new one carries: per-peer order holds
// across reconnections. It reports false when the transport is closed.
func (t *Transport) register(ic *inConn) bool {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return false
	}
	old := t.inbound[ic.from]
	t.inbound[ic.from] = ic
	t.mu.Unlock()
	if old != nil {
		old.superseded.Store(true)
		_ = old.c.Close() // ends its read; its reader untracks it
		<-old.done
	}
	return true
}

func (t *Transport) unregister(ic *inConn) {
	t.mu.Lock()
	if t.inbound[ic.from] == ic {
		delete(t.inbound, ic.from)
	}
	t.mu.Unlock()
}

// handToHTTP passes c, with what r buffered, to the HTTP listener, which
// owns it from then on.
func (t *Transport) handToHTTP(c net.Conn, r *bufio.Reader) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	if !t.http.offer(&sniffedConn{Conn: c, r: r}) {
		t.log.Warn("realnet: refusing HTTP connection: listener closed or its queue full",
			"remote", c.RemoteAddr().String(), "queue", httpAcceptQueueMax)
	}
}
