package httpapi

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/squall/squall/realnet/auth"
)

const (
	adminToken  = "admin-token-0123456789"
	bobToken    = "bob-token-0123456789ab"
	carolToken  = "carol-token-0123456789"
	viewerToken = "viewer-token-012345678"
	clusterKey  = "cluster-secret-0123456789"
)

func authNimbus(t *testing.T) *testNimbus {
	t.Helper()
	tokens, err := auth.ParseTokens([]string{"root:admin:" + adminToken, "bob:user:" + bobToken,
		"carol:user:" + carolToken, "viewer:readonly:" + viewerToken}, clusterKey)
	if err != nil {
		t.Fatal(err)
	}
	return startNimbus(t, ServerConfig{Auth: tokens})
}

// guardCall sends one request with token ("" for none) and returns its status
// and body.
func guardCall(t *testing.T, host, token, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+host+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestGuardAuthenticates(t *testing.T) {
	n := authNimbus(t)
	for _, path := range []string{"/api/v1/cluster/summary", "/api/v1/topology/summary"} {
		if got, body := guardCall(t, n.host, "", "GET", path, ""); got != http.StatusUnauthorized || !strings.Contains(body, CodeUnauthorized) {
			t.Errorf("GET %s without a token: got %d %s, want 401 with code %s", path, got, body, CodeUnauthorized)
		}
		if got, _ := guardCall(t, n.host, "wrong-token-0123456789", "GET", path, ""); got != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token: got %d, want 401", path, got)
		}
		for _, tok := range []string{adminToken, bobToken, viewerToken, clusterKey} {
			if got, body := guardCall(t, n.host, tok, "GET", path, ""); got != http.StatusOK {
				t.Errorf("GET %s with %s: got %d %s, want 200", path, tok, got, body)
			}
		}
	}
}

func TestGuardAuthorizesByRoleAndOwner(t *testing.T) {
	n := authNimbus(t)
	submit := `{"name": "bobs", "spec": {"name": "bobs"}}`
	if got, body := guardCall(t, n.host, viewerToken, "POST", "/api/v1/topology", submit); got != http.StatusForbidden ||
		!strings.Contains(body, CodeForbidden) {
		t.Fatalf("submit as readonly: got %d %s, want 403", got, body)
	}
	if got, body := guardCall(t, n.host, bobToken, "POST", "/api/v1/topology", submit); got != http.StatusCreated ||
		!strings.Contains(body, `"owner":"bob"`) {
		t.Fatalf("submit as bob: got %d %s, want 201 owned by bob", got, body)
	}
	tests := []struct {
		token string
		want  int
	}{
		{viewerToken, http.StatusForbidden},
		{carolToken, http.StatusForbidden}, // a user, but not the owner
		{clusterKey, http.StatusForbidden},
		{bobToken, http.StatusOK},
		{adminToken, http.StatusOK},
	}
	for _, tt := range tests {
		for _, path := range []string{"/api/v1/topology/bobs/deactivate", "/api/v1/topology/bobs/activate"} {
			if got, body := guardCall(t, n.host, tt.token, "POST", path, ""); got != tt.want {
				t.Errorf("POST %s with %s: got %d %s, want %d", path, tt.token, got, body, tt.want)
			}
		}
	}
	if got, _ := guardCall(t, n.host, carolToken, "POST", "/api/v1/topology/bobs/kill/0", ""); got != http.StatusForbidden {
		t.Errorf("kill of bob's topology by carol: got %d, want 403", got)
	}
	if got, _ := guardCall(t, n.host, carolToken, "POST", "/api/v1/topology/nope/kill/0", ""); got != http.StatusNotFound {
		t.Errorf("kill of an unknown topology by a user: got %d, want 404", got)
	}
	if got, _ := guardCall(t, n.host, bobToken, "GET", "/api/v1/artifact/"+sha("x"), ""); got != http.StatusForbidden {
		t.Errorf("artifact download as a user: got %d, want 403 (daemons and admins only)", got)
	}
	if got, _ := guardCall(t, n.host, clusterKey, "GET", "/api/v1/artifact/"+sha("x"), ""); got != http.StatusNotFound {
		t.Errorf("artifact download with the cluster secret: got %d, want 404 (allowed, not held)", got)
	}
}

func TestGuardOffWithoutTokens(t *testing.T) {
	n := startNimbus(t, ServerConfig{})
	n.fake.addTopology("wc")
	if got, body := guardCall(t, n.host, "", "POST", "/api/v1/topology/wc/deactivate", ""); got != http.StatusOK {
		t.Errorf("deactivate without auth configured: got %d %s, want 200", got, body)
	}
}
