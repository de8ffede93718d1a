package realnet

import (
	"bufio"
	"net"
	"sync"
)

// httpListener is the net.Listener of the non-transport connections the
// transport accepts. Its queue is bounded by httpAcceptQueueMax.
type httpListener struct {
	addr  net.Addr
	conns chan net.Conn

	mu     sync.Mutex
	closed bool
}

func newHTTPListener(addr net.Addr) *httpListener {
	return &httpListener{addr: addr, conns: make(chan net.Conn, httpAcceptQueueMax)}
}

// offer queues c for Accept, or closes it when the listener is closed or its
// queue is full, and reports whether it queued it.
func (l *httpListener) offer(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		select {
		case l.conns <- c:
			return true
		default:
		}
	}
	_ = c.Close()
	return false
}

// Accept waits for the next HTTP connection.
func (l *httpListener) Accept() (net.Conn, error) {
	c, ok := <-l.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}

// Close stops the hand-over: connections queued and not yet accepted are
// closed, later ones are refused, and Accept returns net.ErrClosed.
func (l *httpListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.conns)
	l.mu.Unlock()
	for c := range l.conns {
		_ = c.Close()
	}
	return nil
}

func (l *httpListener) Addr() net.Addr { return l.addr }

// sniffedConn is a connection whose first bytes were read while sniffing:
// reads come through the reader that holds them.
type sniffedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *sniffedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
