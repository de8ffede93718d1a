package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestNimbusServesWebUI: a real nimbus daemon serves the web UI on its
// API's port (HTTPS here, as the end-to-end cluster runs TLS), to anyone
// (the files hold no data), while its API still refuses callers without a
// token.
func TestNimbusServesWebUI(t *testing.T) {
	zk := os.Getenv("SQUALL_ZK")
	if zk == "" {
		t.Skip("SQUALL_ZK not set: the end-to-end tests run under `make test`, which starts a ZooKeeper")
	}
	c := newE2E(t, zk)
	c.startNimbus(1)
	base := "https://" + c.nimbuses[0].addr
	hc := c.api("", 5*time.Second)
	get := func(path string) (int, string, string) {
		resp, err := hc.Get(base + path)
		if err != nil {
			return 0, "", err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	deadline := time.Now().Add(20 * time.Second)
	status, typ, body := get("/")
	for status != http.StatusOK && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		status, typ, body = get("/")
	}
	if status != http.StatusOK || !strings.HasPrefix(typ, "text/html") || !strings.Contains(body, `src="/ui/app.js"`) {
		c.dumpLogs()
		t.Fatalf("GET / on nimbus: got %d %q %.200q, want 200 text/html with the page", status, typ, body)
	}
	if status, typ, body := get("/ui/app.js"); status != http.StatusOK || !strings.HasPrefix(typ, "text/javascript") {
		t.Errorf("GET /ui/app.js: got %d %q %.100q, want 200 text/javascript", status, typ, body)
	}
	if status, _, body := get("/api/v1/cluster/summary"); status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/cluster/summary without a token: got %d %.200q, want 401", status, body)
	}
}
