package realnet

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/squall/squall/core"
)

// With a cluster secret (TransportConfig.Secret), a connection proves its
// sender before any frame is delivered:
//
//	dialer                              acceptor
//	hello (magic, version, NodeID) ───►
//	                               ◄─── challenge: 32 random bytes
//	proof: HMAC-SHA256(secret,     ───►  checked in constant time; a wrong or
//	  challenge ‖ NodeID)                late proof closes the connection
//	frames ...                     ───►
//
// A fresh challenge per connection means a recorded proof cannot be
// replayed, and the NodeID inside the MAC means a proof cannot be moved to
// another identity. Without a secret there is no challenge and the hello is
// followed by frames at once, as before.
const (
	challengeBytes   = 32
	proofBytes       = sha256.Size
	handshakeTimeout = 5 * time.Second // bounds each side's wait for the other
	secretBytesMin   = 16
)

// ErrBadProof is an inbound connection whose sender does not hold the
// cluster's secret.
var ErrBadProof = errors.New("realnet: peer failed the cluster-secret handshake")

func proof(secret []byte, challenge []byte, id core.NodeID) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write(challenge)
	mac.Write([]byte(id))
	return mac.Sum(nil)
}

// challenge is the acceptor's half: send a challenge to the peer that
// said hello as from, and check its proof.
func challenge(c net.Conn, r io.Reader, secret []byte, from core.NodeID) error {
	var nonce [challengeBytes]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return fmt.Errorf("realnet: challenge: %w", err)
	}
	_ = c.SetDeadline(time.Now().Add(handshakeTimeout)) // a failure shows on the I/O
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(nonce[:]); err != nil {
		return fmt.Errorf("%w: sending the challenge: %w", ErrBadProof, err)
	}
	var got [proofBytes]byte
	if _, err := io.ReadFull(r, got[:]); err != nil {
		return fmt.Errorf("%w: no proof from %q: %w", ErrBadProof, from, err)
	}
	if !hmac.Equal(got[:], proof(secret, nonce[:], from)) {
		return fmt.Errorf("%w: wrong proof from %q", ErrBadProof, from)
	}
	return nil
}

// answer is the dialer's half: read the challenge and send the proof.
func answer(c net.Conn, secret []byte, self core.NodeID) error {
	_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
	defer c.SetDeadline(time.Time{})
	var nonce [challengeBytes]byte
	if _, err := io.ReadFull(c, nonce[:]); err != nil {
		return fmt.Errorf("realnet: no challenge from the peer (does it run with the same cluster secret?): %w", err)
	}
	if _, err := c.Write(proof(secret, nonce[:], self)); err != nil {
		return fmt.Errorf("realnet: sending the proof: %w", err)
	}
	return nil
}
