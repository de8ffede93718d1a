package zkadapter

import (
	"encoding/binary"
	"net"
	"time"
)

// The client watches the bytes go-zookeeper exchanges with the server, without
// changing them, for two facts the library does not expose:
//
//   - when the reply to the request in flight has been read, so that a watch
//     notification or a session change read after it is delivered after its
//     result, as ZooKeeper orders them on the wire;
//   - the session password in each connect response, so that a test can end
//     the session from a second connection as an expiry would.
//
// go-zookeeper reads a packet as its 4-byte length, then exactly that many
// bytes, so a read never spans two packets; the scanner still accepts any split.

// packetHeadMax is how many leading bytes of a packet the scanner keeps: a
// reply header is 16 bytes, a connect response with its password 36.
const packetHeadMax = 64

// packetScanner splits a byte stream into length-prefixed packets and calls
// onHead with the first bytes of each (at most packetHeadMax) once it has them.
type packetScanner struct {
	lenBuf    [4]byte
	lenHave   int
	remaining int // bytes of the current packet not yet seen
	head      [packetHeadMax]byte
	headHave  int
	headWant  int
	packets   int // packets whose head was reported, the current one included
	onHead    func(index int, head []byte)
}

func (s *packetScanner) feed(p []byte) {
	for len(p) > 0 {
		if s.remaining == 0 {
			n := copy(s.lenBuf[s.lenHave:], p)
			s.lenHave += n
			p = p[n:]
			if s.lenHave < len(s.lenBuf) {
				return
			}
			s.lenHave = 0
			size := int(int32(binary.BigEndian.Uint32(s.lenBuf[:])))
			if size <= 0 {
				continue // a malformed or empty packet: nothing to report
			}
			s.remaining = size
			s.headHave = 0
			s.headWant = min(size, packetHeadMax)
		}
		n := min(len(p), s.remaining)
		if s.headHave < s.headWant {
			c := copy(s.head[s.headHave:s.headWant], p[:n])
			s.headHave += c
			if s.headHave == s.headWant {
				s.packets++
				s.onHead(s.packets-1, s.head[:s.headWant])
			}
		}
		s.remaining -= n
		p = p[n:]
	}
}

// wireObserver receives what a watchedConn sees. Both methods run on
// go-zookeeper's goroutines and must be quick.
type wireObserver interface {
	// sent reports a request packet written (not the connect request).
	sent(xid, opcode int32)
	// received reports a packet read: a connect response (first on the
	// connection) or a reply or notification with its header.
	received(connectResponse bool, head []byte)
}

// watchedConn passes every byte through unchanged and reports packet heads.
type watchedConn struct {
	net.Conn
	in, out packetScanner
}

func newWatchedConn(c net.Conn, o wireObserver) *watchedConn {
	w := &watchedConn{Conn: c}
	w.out.onHead = func(index int, head []byte) {
		if index == 0 || len(head) < 8 {
			return // the connect request has no request header
		}
		o.sent(int32(binary.BigEndian.Uint32(head[0:4])), int32(binary.BigEndian.Uint32(head[4:8])))
	}
	w.in.onHead = func(index int, head []byte) { o.received(index == 0, head) }
	return w
}

func (w *watchedConn) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	w.in.feed(p[:n])
	return n, err
}

func (w *watchedConn) Write(p []byte) (int, error) {
	// Report before writing: the reply cannot be read before the request
	// is written, so the client knows the request's xid by then.
	w.out.feed(p)
	return w.Conn.Write(p)
}

// watchingDialer returns a go-zookeeper Dialer whose connections report to o.
func watchingDialer(o wireObserver) func(network, address string, timeout time.Duration) (net.Conn, error) {
	return func(network, address string, timeout time.Duration) (net.Conn, error) {
		c, err := net.DialTimeout(network, address, timeout)
		if err != nil {
			return nil, err
		}
		return newWatchedConn(c, o), nil
	}
}

// replyXid returns the xid of a reply or notification header (-1 for a
// watch notification, -2 for a ping reply), or 0 when the head is too short.
func replyXid(head []byte) int32 {
	if len(head) < 16 {
		return 0
	}
	return int32(binary.BigEndian.Uint32(head[0:4]))
}

// connectPassword returns the session id and password of a connect response:
// protocol version (4), timeout (4), session id (8), password (4 + n).
func connectPassword(head []byte) (int64, []byte) {
	if len(head) < 20 {
		return 0, nil
	}
	id := int64(binary.BigEndian.Uint64(head[8:16]))
	n := int(int32(binary.BigEndian.Uint32(head[16:20])))
	if n < 0 || 20+n > len(head) {
		return id, nil
	}
	return id, append([]byte(nil), head[20:20+n]...)
}
