package realnet

import (
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// testCert writes a self-signed certificate for 127.0.0.1 and its key in
// dir (the certificate is its own CA).
func testCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile, err := WriteSelfSignedCert(dir, []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
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
