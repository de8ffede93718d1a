package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

const (
	aliceToken = "alice-token-0123456789"
	bobToken   = "bob-token-0123456789ab"
	eveToken   = "eve-token-0123456789ab"
	secret     = "cluster-secret-0123456789"
)

func testTokens(t *testing.T) *Tokens {
	t.Helper()
	tok, err := ParseTokens([]string{"alice:admin:" + aliceToken, "bob:user:" + bobToken, "eve:readonly:" + eveToken}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func request(token string) *http.Request {
	r := httptest.NewRequest("GET", "/api/v1/cluster/summary", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func TestAuthenticate(t *testing.T) {
	tok := testTokens(t)
	tests := []struct {
		token string
		want  Principal
		err   error
	}{
		{aliceToken, Principal{"alice", RoleAdmin}, nil},
		{bobToken, Principal{"bob", RoleUser}, nil},
		{eveToken, Principal{"eve", RoleReadOnly}, nil},
		{secret, Principal{"cluster", RoleCluster}, nil},
		{"", Principal{}, ErrNoToken},
		{"not-a-token-at-all-000", Principal{}, ErrBadToken},
	}
	for _, tt := range tests {
		got, err := tok.Authenticate(request(tt.token))
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("token %q: got %+v, %v; want %+v, %v", tt.token, got, err, tt.want, tt.err)
		}
	}
	basic := request("")
	basic.Header.Set("Authorization", "Basic YWxpY2U6eA==")
	if _, err := tok.Authenticate(basic); !errors.Is(err, ErrNoToken) {
		t.Errorf("basic auth: got %v, want ErrNoToken", err)
	}
}

func TestAuthenticationOffWithoutTokens(t *testing.T) {
	tok, err := ParseTokens(nil, "")
	if err != nil || tok.Enabled() {
		t.Fatalf("got %v, enabled %v; want nil tokens, disabled", err, tok.Enabled())
	}
	if p, err := tok.Authenticate(request("")); p != Anonymous || err != nil {
		t.Errorf("got %+v, %v; want Anonymous", p, err)
	}
}

func TestParseTokensRefusesBadEntries(t *testing.T) {
	for _, entries := range [][]string{
		{"alice"}, {"alice:admin"}, {":admin:" + aliceToken}, {"alice:root:" + aliceToken},
		{"alice:admin:short"}, {"alice:admin:" + aliceToken, "bob:user:" + aliceToken},
	} {
		if _, err := ParseTokens(entries, ""); !errors.Is(err, ErrConfig) {
			t.Errorf("%q: got %v, want ErrConfig", entries, err)
		}
	}
	if _, err := ParseTokens(nil, "short"); !errors.Is(err, ErrConfig) {
		t.Errorf("short secret: got %v, want ErrConfig", err)
	}
}

func TestAuthorize(t *testing.T) {
	admin, bob, eve, cluster := Principal{"alice", RoleAdmin}, Principal{"bob", RoleUser},
		Principal{"eve", RoleReadOnly}, Principal{"cluster", RoleCluster}
	tests := []struct {
		p     Principal
		a     Action
		owner string
		ok    bool
	}{
		{admin, ActionOperate, "bob", true},
		{admin, ActionOperate, "", true},
		{admin, ActionDownload, "", true},
		{bob, ActionRead, "", true},
		{bob, ActionSubmit, "", true},
		{bob, ActionOperate, "bob", true},
		{bob, ActionOperate, "carol", false},
		{bob, ActionOperate, "", false},
		{bob, ActionDownload, "", false},
		{eve, ActionRead, "", true},
		{eve, ActionSubmit, "", false},
		{eve, ActionOperate, "eve", false},
		{cluster, ActionDownload, "", true},
		{cluster, ActionSubmit, "", false},
		{cluster, ActionOperate, "", false},
		{Principal{"x", "root"}, ActionRead, "", false},
	}
	for _, tt := range tests {
		err := Authorize(tt.p, tt.a, tt.owner)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrForbidden)) {
			t.Errorf("%+v %s (owner %q): got %v, want ok=%v", tt.p, tt.a, tt.owner, err, tt.ok)
		}
	}
}

func TestClientSendsToken(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
	}))
	defer srv.Close()
	if _, err := Client(bobToken, nil).Get(srv.URL); err != nil {
		t.Fatal(err)
	}
	if want := "Bearer " + bobToken; got != want {
		t.Errorf("got Authorization %q, want %q", got, want)
	}
	if _, err := Client("", nil).Get(srv.URL); err != nil || got != "" {
		t.Errorf("no token: got Authorization %q, %v; want none", got, err)
	}
}
