package auth

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Role is what a caller may do.
type Role string

// The roles.
const (
	RoleAdmin    Role = "admin"    // everything
	RoleUser     Role = "user"     // read, submit, operate its own topologies
	RoleReadOnly Role = "readonly" // read
	RoleCluster  Role = "cluster"  // a daemon of the cluster: read and download programs
)

// Principal is an authenticated caller.
type Principal struct {
	User string
	Role Role
}

// Anonymous is the caller of an API without authentication: an admin.
var Anonymous = Principal{User: "anonymous", Role: RoleAdmin}

// Action is what a request asks to do.
type Action int

// The actions the API's routes map to.
const (
	ActionRead     Action = iota // summaries, status, errors, metrics, the UI's pages
	ActionSubmit                 // upload a program, submit a topology
	ActionOperate                // activate, deactivate, rebalance, kill one topology
	ActionDownload               // fetch a program by digest
)

func (a Action) String() string {
	switch a {
	case ActionRead:
		return "read"
	case ActionSubmit:
		return "submit"
	case ActionOperate:
		return "operate"
	case ActionDownload:
		return "download"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Errors of authentication (401) and authorization (403).
var (
	ErrNoToken   = errors.New("auth: no token: send Authorization: Bearer TOKEN")
	ErrBadToken  = errors.New("auth: unknown token")
	ErrForbidden = errors.New("auth: forbidden")
	ErrConfig    = errors.New("auth: bad configuration")
)

// tokensMax bounds the configured tokens.
const tokensMax = 1024

// Tokens maps tokens to callers. The zero value and nil authenticate no one;
// Enabled tells whether authentication is on.
type Tokens struct {
	// byDigest is keyed by a token's sha256, so lookups compare digests of
	// fixed length rather than secrets of varying length.
	byDigest map[[sha256.Size]byte]Principal
}

// ParseTokens reads "USER:ROLE:TOKEN" entries and the cluster secret (""
// for none). No entries and no secret give nil: authentication off.
func ParseTokens(entries []string, clusterSecret string) (*Tokens, error) {
	if len(entries) == 0 && clusterSecret == "" {
		return nil, nil
	}
	if len(entries) > tokensMax {
		return nil, fmt.Errorf("%w: %d tokens, at most %d", ErrConfig, len(entries), tokensMax)
	}
	t := &Tokens{byDigest: map[[sha256.Size]byte]Principal{}}
	for i, e := range entries {
		user, rest, ok1 := strings.Cut(e, ":")
		role, token, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 || user == "" || token == "" {
			return nil, fmt.Errorf("%w: token %d: want USER:ROLE:TOKEN", ErrConfig, i+1)
		}
		switch Role(role) {
		case RoleAdmin, RoleUser, RoleReadOnly:
		default:
			return nil, fmt.Errorf("%w: token %d of %q: role %q, want admin, user or readonly", ErrConfig, i+1, user, role)
		}
		if err := t.add(token, Principal{User: user, Role: Role(role)}); err != nil {
			return nil, err
		}
	}
	if clusterSecret != "" {
		if err := t.add(clusterSecret, Principal{User: "cluster", Role: RoleCluster}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// tokenBytesMin is the shortest token accepted: shorter ones can be guessed.
const tokenBytesMin = 16

func (t *Tokens) add(token string, p Principal) error {
	if len(token) < tokenBytesMin {
		return fmt.Errorf("%w: the token of %q has %d bytes, want at least %d", ErrConfig, p.User, len(token), tokenBytesMin)
	}
	d := sha256.Sum256([]byte(token))
	if _, dup := t.byDigest[d]; dup {
		return fmt.Errorf("%w: the token of %q is given twice", ErrConfig, p.User)
	}
	t.byDigest[d] = p
	return nil
}

// Enabled reports whether callers must authenticate.
func (t *Tokens) Enabled() bool { return t != nil && len(t.byDigest) > 0 }

// Authenticate finds the caller of r from its bearer token; with
// authentication off every caller is Anonymous.
func (t *Tokens) Authenticate(r *http.Request) (Principal, error) {
	if !t.Enabled() {
		return Anonymous, nil
	}
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return Principal{}, ErrNoToken
	}
	p, ok := t.byDigest[sha256.Sum256([]byte(token))]
	if !ok {
		return Principal{}, ErrBadToken
	}
	return p, nil
}

// Authorize decides whether p may do a; owner is the user who owns the
// topology an ActionOperate names ("" when it has none recorded: only an
// admin may operate it).
func Authorize(p Principal, a Action, owner string) error {
	ok := false
	switch p.Role {
	case RoleAdmin:
		ok = true
	case RoleUser:
		ok = a == ActionRead || a == ActionSubmit || (a == ActionOperate && owner != "" && owner == p.User)
	case RoleReadOnly:
		ok = a == ActionRead
	case RoleCluster:
		ok = a == ActionRead || a == ActionDownload
	}
	if ok {
		return nil
	}
	if a == ActionOperate && p.Role == RoleUser {
		return fmt.Errorf("%w: %s (role %s) may operate only its own topologies; this one is owned by %q",
			ErrForbidden, p.User, p.Role, owner)
	}
	return fmt.Errorf("%w: %s (role %s) may not %s", ErrForbidden, p.User, p.Role, a)
}

// Transport adds a bearer token to every request of an http.Client.
type Transport struct {
	Token string
	Base  http.RoundTripper // nil: http.DefaultTransport
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if t.Token == "" || r.Header.Get("Authorization") != "" {
		return base.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.Token)
	return base.RoundTrip(r)
}

// Client returns an http.Client that sends token ("" for none).
func Client(token string, base *http.Client) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	if token != "" {
		c.Transport = &Transport{Token: token, Base: c.Transport}
	}
	return c
}
