package zkadapter

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// closeSessionAttemptsMax bounds the attempts to end a session from outside.
const closeSessionAttemptsMax = 5

// expireSession ends session id at the server from a second connection, as
// an expiry would: it attaches to the session with its password and closes
// it. The server deletes the session's ephemerals and drops its watches
// before it answers, and closes the client's own connection; the client then
// finds the session expired when it reconnects.
func expireSession(t *testing.T, addr string, id core.SessionID, passwd []byte) {
	t.Helper()
	if id == 0 || len(passwd) == 0 {
		t.Fatalf("expiring a session: got id %#x and a %d-byte password, want both", int64(id), len(passwd))
	}
	var err error
	for range closeSessionAttemptsMax {
		if err = attachSession(addr, int64(id), passwd, true); err == nil {
			return
		}
	}
	t.Fatalf("expiring session %#x: %v", int64(id), err)
}

// stealConnection attaches to session id from a second connection and
// leaves: the server closes the owner's connection (a session has one), the
// owner sees Disconnected and resumes the session, which is still alive.
func stealConnection(t *testing.T, addr string, id core.SessionID, passwd []byte) {
	t.Helper()
	if err := attachSession(addr, int64(id), passwd, false); err != nil {
		t.Fatalf("attaching to session %#x: %v", int64(id), err)
	}
}

// attachSession speaks just enough of ZooKeeper's protocol to attach to a
// session and, with closeIt, close it. The connect and the close go out in
// one write, so that the owner's reconnect cannot slip between them.
func attachSession(addr string, id int64, passwd []byte, closeIt bool) error {
	conn, err := net.DialTimeout("tcp", addr, waitMax)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(waitMax)); err != nil {
		return err
	}
	var connect []byte
	connect = binary.BigEndian.AppendUint32(connect, 0)          // protocol version
	connect = binary.BigEndian.AppendUint64(connect, 0)          // last zxid seen
	connect = binary.BigEndian.AppendUint32(connect, 30_000)     // timeout ms
	connect = binary.BigEndian.AppendUint64(connect, uint64(id)) // session
	connect = binary.BigEndian.AppendUint32(connect, uint32(len(passwd)))
	connect = append(connect, passwd...)
	connect = append(connect, 0)         // not read-only
	var closeXid, opClose int32 = 1, -11 // variables: a negative opcode does not convert to uint32 as a constant
	var closeReq []byte
	closeReq = binary.BigEndian.AppendUint32(closeReq, uint32(closeXid))
	closeReq = binary.BigEndian.AppendUint32(closeReq, uint32(opClose))
	packets := [][]byte{connect}
	if closeIt {
		packets = append(packets, closeReq)
	}
	var out []byte
	for _, p := range packets {
		out = binary.BigEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	if _, err := conn.Write(out); err != nil {
		return err
	}
	resp, err := readPacket(conn)
	if err != nil {
		return fmt.Errorf("reading the connect response: %w", err)
	}
	if len(resp) < 16 {
		return fmt.Errorf("connect response of %d bytes", len(resp))
	}
	if got := int64(binary.BigEndian.Uint64(resp[8:16])); got != id {
		return fmt.Errorf("attaching to session %#x: got session %#x (0: already expired)", id, got)
	}
	if !closeIt {
		return nil
	}
	reply, err := readPacket(conn)
	if err != nil {
		return fmt.Errorf("reading the close reply: %w", err)
	}
	if len(reply) < 16 || int32(binary.BigEndian.Uint32(reply[0:4])) != closeXid || binary.BigEndian.Uint32(reply[12:16]) != 0 {
		return fmt.Errorf("close reply: got % x, want xid %d and no error", reply, closeXid)
	}
	return nil
}

func readPacket(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 1<<20 {
		return nil, fmt.Errorf("packet of %d bytes", n)
	}
	p := make([]byte, n)
	_, err := io.ReadFull(r, p)
	return p, err
}
