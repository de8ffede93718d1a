package realnet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/squall/squall/core"
)

// Wire format of a transport connection, written by the dialing side only:
//
//	hello    magic [4]byte = 00 'S' 'Q' 'T'
//	         version byte  = wireVersion
//	         uint16 big-endian length ≤ NodeIDBytesMax, then the sender's NodeID
//	frame    uint32 big-endian length ≤ PayloadBytesMax, then the payload
//
// The magic starts with a zero byte, which no HTTP request starts with, so
// the first byte of a connection tells transport from HTTP.
var magic = [4]byte{0x00, 'S', 'Q', 'T'}

const wireVersion byte = 1

// Bounds of what a peer may send. A frame or NodeID over its bound closes the
// connection.
const (
	// PayloadBytesMax bounds one payload: a tuple batch of up to
	// tuple.BatchBytesMax with room to spare for a worker's own header.
	PayloadBytesMax = 32 << 20
	// NodeIDBytesMax bounds the sender's NodeID in a hello.
	NodeIDBytesMax = 1 << 10

	frameHeaderBytes = 4
	helloFixedBytes  = len(magic) + 1 + 2

	// payloadAllocBytesMax is the largest payload the reader allocates at once
	// from the length prefix alone; a longer one grows as its bytes arrive, so
	// a hostile prefix cannot make it allocate PayloadBytesMax for nothing.
	payloadAllocBytesMax = 1 << 20
)

// Errors of the wire format.
var (
	ErrBadMagic      = errors.New("realnet: not a transport connection (bad magic)")
	ErrBadVersion    = errors.New("realnet: unsupported wire version")
	ErrFrameTooLarge = errors.New("realnet: frame over PayloadBytesMax")
	ErrTruncated     = errors.New("realnet: truncated frame")
	ErrBadHello      = errors.New("realnet: bad hello")
)

// appendHello appends the hello of sender self to dst.
func appendHello(dst []byte, self core.NodeID) []byte {
	core.Assert(len(self) > 0 && len(self) <= NodeIDBytesMax, "node id %q: %d bytes, want 1 to %d",
		self, len(self), NodeIDBytesMax)
	dst = append(dst, magic[:]...)
	dst = append(dst, wireVersion)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(self)))
	return append(dst, self...)
}

// readHello reads a hello and returns the sender's NodeID.
func readHello(r io.Reader) (core.NodeID, error) {
	var fixed [helloFixedBytes]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadHello, truncated(err))
	}
	if [4]byte(fixed[:4]) != magic {
		return "", fmt.Errorf("%w: % x", ErrBadMagic, fixed[:4])
	}
	if fixed[4] != wireVersion {
		return "", fmt.Errorf("%w: %d, want %d", ErrBadVersion, fixed[4], wireVersion)
	}
	n := int(binary.BigEndian.Uint16(fixed[5:]))
	if n == 0 || n > NodeIDBytesMax {
		return "", fmt.Errorf("%w: node id of %d bytes, want 1 to %d", ErrBadHello, n, NodeIDBytesMax)
	}
	id := make([]byte, n)
	if _, err := io.ReadFull(r, id); err != nil {
		return "", fmt.Errorf("%w: node id: %w", ErrBadHello, truncated(err))
	}
	return core.NodeID(id), nil
}

// writeFrame writes one payload behind its length.
func writeFrame(w *bufio.Writer, payload []byte) error {
	core.Assert(len(payload) <= PayloadBytesMax, "payload of %d bytes over %d", len(payload), PayloadBytesMax)
	var hdr [frameHeaderBytes]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(payload)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// readFrame reads one frame and returns its payload in a new slice the caller
// may keep. io.EOF means the connection ended cleanly between frames; a
// connection that ends inside a frame yields ErrTruncated; a length over
// PayloadBytesMax yields ErrFrameTooLarge before anything is allocated.
func readFrame(r *bufio.Reader) ([]byte, error) {
	var hdr [frameHeaderBytes]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("%w: header: %w", ErrTruncated, err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > PayloadBytesMax {
		return nil, fmt.Errorf("%w: %d bytes, max %d", ErrFrameTooLarge, n, PayloadBytesMax)
	}
	if n <= payloadAllocBytesMax {
		p := make([]byte, n)
		if _, err := io.ReadFull(r, p); err != nil {
			return nil, fmt.Errorf("%w: payload of %d bytes: %w", ErrTruncated, n, truncated(err))
		}
		return p, nil
	}
	p, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err == nil && len(p) < int(n) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, fmt.Errorf("%w: payload of %d bytes, got %d: %w", ErrTruncated, n, len(p), err)
	}
	return p, nil
}

// truncated turns a clean EOF inside a structure into io.ErrUnexpectedEOF.
func truncated(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
