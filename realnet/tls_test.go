package realnet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// testCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files in dir and returns their paths (the certificate is its own CA).
func testCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "squall-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func testTLS(t *testing.T) *tls.Config {
	t.Helper()
	certFile, keyFile := testCert(t, t.TempDir())
	cfg, err := LoadTLS(certFile, keyFile, certFile)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func listenTLS(t *testing.T, cfg *tls.Config, secret []byte, sink func(core.Event)) *Transport {
	t.Helper()
	addr := freeAddr(t)
	tr, err := Listen(TransportConfig{Self: core.NodeID(addr), Addr: addr, Logger: testLogger(t), TLS: cfg, Secret: secret}, sink)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Over TLS, with the cluster secret inside, messages flow both ways in
// order, and the port serves HTTPS.
func TestTLSDeliversAndServesHTTPS(t *testing.T) {
	checkNoLeak(t)
	cfg := testTLS(t)
	ca, cb := newCollector(), newCollector()
	a, b := listenTLS(t, cfg, testSecret, ca.sink), listenTLS(t, cfg, testSecret, cb.sink)
	defer a.Close()
	defer b.Close()
	for i := range 200 {
		if err := a.Send(core.Send{To: core.NodeID(b.Addr()), Payload: payloadN(i)}); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.Send(core.Send{To: core.NodeID(a.Addr()), Payload: []byte("back")})
	checkOrder(t, cb.waitFor(t, "200 messages", func(r []core.Recv) bool { return len(r) == 200 }), core.NodeID(a.Addr()))
	ca.waitFor(t, "the answer", func(r []core.Recv) bool { return len(r) == 1 })

	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}
	go srv.Serve(b.HTTPListener())
	defer srv.Close()
	hc := &http.Client{Timeout: waitMax, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cfg.RootCAs}}}
	resp, err := hc.Get("https://" + b.Addr() + "/")
	if err != nil {
		t.Fatalf("HTTPS on the transport's port: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HTTPS: got status %d, want 200", resp.StatusCode)
	}
	hc.CloseIdleConnections()
	if resp, err := (&http.Client{Timeout: waitMax}).Get("http://" + b.Addr() + "/"); err == nil {
		resp.Body.Close()
		t.Errorf("plain HTTP on a TLS port: got status %d, want the connection refused", resp.StatusCode)
	}
}

// A plain-TCP sender, or one that does not trust the receiver's
// certificate, delivers nothing to a TLS transport.
func TestTLSRefusesPlainAndUntrusted(t *testing.T) {
	checkNoLeak(t)
	cfg := testTLS(t)
	cb := newCollector()
	b := listenTLS(t, cfg, nil, cb.sink)
	defer b.Close()
	other := testTLS(t) // another CA: b's certificate is not trusted
	for i, sender := range []*Transport{listenTLS(t, nil, nil, func(core.Event) {}), listenTLS(t, other, nil, func(core.Event) {})} {
		for j := range 10 {
			_ = sender.Send(core.Send{To: core.NodeID(b.Addr()), Payload: payloadN(j)})
		}
		deadline := time.Now().Add(waitMax)
		for b.Stats().WireErrors <= uint64(i) && sender.Stats().DialFailures == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		sender.Close()
	}
	if got := cb.received(); len(got) != 0 {
		t.Errorf("got %d messages over untrusted connections, want none", len(got))
	}
}
