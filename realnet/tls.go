package realnet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// With TransportConfig.TLS set, every connection of the transport's port is
// TLS: the acceptor wraps each accepted connection before it tells transport
// from HTTP (so the HTTP API is HTTPS on the same port), and the dialer
// wraps each connection it opens, verifying the peer's certificate against
// the configuration's RootCAs for the host it dialed. The cluster-secret
// handshake, when configured, runs inside TLS.

// tlsHandshakeTimeout bounds a TLS handshake on either side.
const tlsHandshakeTimeout = 5 * time.Second

// ErrTLSConfig is a TLS configuration that cannot be loaded.
var ErrTLSConfig = errors.New("realnet: bad TLS configuration")

// LoadTLS builds the TLS configuration of a daemon from PEM files: its
// certificate and key (presented when it accepts), and the CA bundle it
// verifies peers with ("" for the system's roots).
func LoadTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %s, key %s: %w", ErrTLSConfig, certFile, keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if caFile != "" {
		pool, err := LoadCAs(caFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// LoadCAs reads a PEM bundle of certificate authorities.
func LoadCAs(caFile string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("%w: CA bundle: %w", ErrTLSConfig, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w: CA bundle %s holds no PEM certificate", ErrTLSConfig, caFile)
	}
	return pool, nil
}

// tlsServer wraps an accepted connection and completes its handshake.
func (t *Transport) tlsServer(c net.Conn) (net.Conn, error) {
	tc := tls.Server(c, t.cfg.TLS)
	_ = c.SetDeadline(time.Now().Add(tlsHandshakeTimeout))
	err := tc.Handshake()
	_ = c.SetDeadline(time.Time{})
	if err != nil {
		return nil, fmt.Errorf("realnet: TLS handshake: %w", err)
	}
	return tc, nil
}

// tlsClient wraps a dialed connection to addr and completes its handshake,
// verifying the peer's certificate for addr's host.
func (t *Transport) tlsClient(c net.Conn, addr string) (net.Conn, error) {
	cfg := t.cfg.TLS.Clone()
	if host, _, err := net.SplitHostPort(addr); err == nil && cfg.ServerName == "" {
		cfg.ServerName = host
	}
	tc := tls.Client(c, cfg)
	_ = c.SetDeadline(time.Now().Add(tlsHandshakeTimeout))
	err := tc.Handshake()
	_ = c.SetDeadline(time.Time{})
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("realnet: TLS handshake with %s: %w", addr, err)
	}
	return tc, nil
}

// selfSignedValidity is how long a WriteSelfSignedCert certificate is valid.
const selfSignedValidity = 30 * 24 * time.Hour

// WriteSelfSignedCert writes a self-signed certificate for ips (it is its
// own CA: give it as tls.ca too) and its key as PEM files in dir, and
// returns their paths: a cluster on one machine or under test needs no CA
// of its own.
func WriteSelfSignedCert(dir string, ips []net.IP) (certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("realnet: certificate key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "squall"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(selfSignedValidity),
		IPAddresses: ips, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", fmt.Errorf("realnet: certificate: %w", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("realnet: certificate key: %w", err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return "", "", fmt.Errorf("realnet: %w", err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return "", "", fmt.Errorf("realnet: %w", err)
	}
	return certFile, keyFile, nil
}
