package promexport

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/squall/squall/realnet/auth"
	"github.com/squall/squall/realnet/httpapi"
)

const (
	adminToken  = "admin-token-0123456789"
	readToken   = "read-token-0123456789"
	secretToken = "cluster-secret-0123456789"
)

func tokens(t *testing.T) *auth.Tokens {
	t.Helper()
	tk, err := auth.ParseTokens([]string{"root:admin:" + adminToken, "grafana:readonly:" + readToken}, secretToken)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// /metrics is a read route: with authentication on, any role may scrape,
// an unknown or missing token may not, unless metrics.public is set.
func TestHandlerAuth(t *testing.T) {
	reg := NewRegistry(NewNimbusCollector(NimbusConfig{Nimbus: &fakeNimbus{}}))
	cases := []struct {
		name   string
		auth   *auth.Tokens
		public bool
		method string
		token  string
		status int
		code   string
	}{
		{"open without tokens", nil, false, "GET", "", 200, ""},
		{"no token", tokens(t), false, "GET", "", 401, httpapi.CodeUnauthorized},
		{"unknown token", tokens(t), false, "GET", "not-a-token-0123456789", 401, httpapi.CodeUnauthorized},
		{"readonly", tokens(t), false, "GET", readToken, 200, ""},
		{"admin", tokens(t), false, "GET", adminToken, 200, ""},
		{"cluster secret", tokens(t), false, "GET", secretToken, 200, ""},
		{"public, no token", tokens(t), true, "GET", "", 200, ""},
		{"head", tokens(t), false, "HEAD", readToken, 200, ""},
		{"post", tokens(t), false, "POST", adminToken, 405, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(Handler(HandlerConfig{Gatherer: reg, Auth: c.auth, Public: c.public}))
			defer srv.Close()
			req, _ := http.NewRequest(c.method, srv.URL+Path, nil)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status: got %d (%s), want %d", resp.StatusCode, body, c.status)
			}
			switch {
			case c.status == 200 && c.method == "GET":
				if !strings.Contains(string(body), "squall_cluster_slots 8") {
					t.Errorf("body: got %.200q..., want squall_cluster_slots 8", body)
				}
			case c.status != 200:
				var e httpapi.ErrorBody
				if err := json.Unmarshal(body, &e); err != nil || e.Code != c.code || e.Error == "" {
					t.Errorf("refusal: got %s (%v), want JSON with code %q and a message", body, err, c.code)
				}
				if c.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 without WWW-Authenticate")
				}
			}
		})
	}
}
