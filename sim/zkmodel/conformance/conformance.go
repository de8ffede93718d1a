package conformance

import (
	"testing"

	"github.com/squall/squall/core"
)

// Session is one client session.
type Session interface {
	// Do executes req on the session and returns the server's reply.
	Do(req core.Request) core.Reply
	// Watches returns the watch events delivered to this session since the
	// last call, in order. A real implementation first issues a sync round
	// trip on the session (ZooKeeper delivers a watch event before the result
	// of any later request on that session), so after any Do whose effects
	// fired a watch, Watches() sees it.
	Watches() []core.WatchFired
	// ID is the session's id, as znodes' EphemeralOwner shows it.
	ID() core.SessionID
}

// Env is where one case runs.
//
// All sessions of an Env must see one order of transactions: against a real
// ensemble, connect every session to the same server (or use a standalone
// server), since ZooKeeper serves reads from the server a client is connected
// to and a case reads with one session what another just wrote.
type Env interface {
	// NewSession opens a session; it fails t if it cannot.
	NewSession(t *testing.T) Session
	// Expire ends s at the server as an expiry would: its ephemerals are
	// deleted, its watches dropped; s is unusable afterwards (its Do returns
	// SessionExpired or ConnectionLoss). It returns once the server has
	// applied the expiry.
	Expire(t *testing.T, s Session)
	// Root is an existing, empty persistent node under which this case works,
	// e.g. "/conformance-<n>"; cases never touch anything outside it.
	Root() string
}

// Case is one conformance case.
type Case struct {
	Name string
	Run  func(t *testing.T, env Env)
}

// Cases returns the whole suite, in a fixed order, names unique.
func Cases() []Case {
	var all []Case
	for _, group := range [][]Case{
		treeCases(),
		sequentialCases(),
		sessionCases(),
		watchCases(),
		multiCases(),
	} {
		all = append(all, group...)
	}
	return all
}

// Run runs every case as a subtest of t, each in a fresh Env from newEnv.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			c.Run(t, newEnv(t))
		})
	}
}
