package main

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"

	"github.com/squall/squall/realnet"
)

// e2eTLS writes a self-signed certificate (its own CA) for the loopback
// hosts the cluster runs on, and its key, into dir; the cluster's daemons
// present it and every client verifies it.
func e2eTLS(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	var ips []net.IP
	for i := 1; i <= e2eSupervisors+1; i++ {
		ips = append(ips, net.IPv4(127, 0, 0, byte(i)))
	}
	certFile, keyFile, err := realnet.WriteSelfSignedCert(dir, ips)
	if err != nil {
		t.Fatal(err)
	}
	if pool, err = realnet.LoadCAs(certFile); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}

// tlsClientConfig trusts the cluster's certificate.
func (c *e2eCluster) tlsClientConfig() *tls.Config {
	return &tls.Config{RootCAs: c.caPool, MinVersion: tls.VersionTLS12}
}
