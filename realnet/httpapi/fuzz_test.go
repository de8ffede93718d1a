package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzRequestBodies sends arbitrary bodies and path parameters to the
// routes that decode what a client sends (submit, rebalance, kill). The
// server must never panic nor answer 5xx for a bad request: a malformed
// body or wait is a 4xx with a JSON error, and anything else it accepts is
// a JSON reply.
//
//	go test ./realnet/httpapi/ -run '^$' -fuzz FuzzRequestBodies -fuzztime 30s
func FuzzRequestBodies(f *testing.F) {
	for _, s := range []struct{ path, body string }{
		{"/api/v1/topology/wc/rebalance/0", `{"workers": 3, "parallelism": {"split": 2}}`},
		{"/api/v1/topology/wc/rebalance/5", `{"workers": -1}`},
		{"/api/v1/topology/wc/rebalance/x", ``},
		{"/api/v1/topology/wc/kill/-5", ``},
		{"/api/v1/topology/wc/kill/30", `{}`},
		{"/api/v1/topology", `{"name": "t", "spec": {"name": "t"}}`},
		{"/api/v1/topology", `{"name": "t", "spec": 7, "artifact": "sha256:zz"}`},
		{"/api/v1/topology", `[` + string(bytes.Repeat([]byte("["), 100))},
	} {
		f.Add(s.path, []byte(s.body))
	}
	nimbus := newFakeNimbus("n1")
	nimbus.addTopology("wc")
	srv := NewServer(ServerConfig{Nimbus: nimbus})
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		req, err := http.NewRequest("POST", "http://nimbus"+path, bytes.NewReader(body))
		if err != nil {
			return // not a URL: no client could send it
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %q with %q: got status %d (%s), want 2xx-4xx", path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 300 && rec.Code < 400 {
			return // a redirect
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("POST %q with %q: got body %q, want JSON", path, body, rec.Body)
		}
	})
}
