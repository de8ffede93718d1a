// Package auth authenticates and authorizes the callers of a Squall cluster.
//
// Two kinds of caller reach a nimbus's HTTP API:
//
//	people and tools ── Authorization: Bearer TOKEN ──► role admin | user | readonly
//	daemons          ── Authorization: Bearer SECRET ─► role cluster (artifact downloads)
//
// A token names a user and a role (auth.tokens: "USER:ROLE:TOKEN" entries).
// An admin may do anything; a user may read everything, submit topologies
// and operate (activate, deactivate, rebalance, kill) the topologies it
// owns, that is those it submitted; readonly may only read. The cluster
// secret (cluster.secret) is shared by every daemon of one cluster: with it
// supervisors and standby nimbuses download programs, and the transport
// between workers, supervisors and nimbuses proves each connection's
// sender (see realnet's hello).
//
// With no tokens configured authentication is off: every caller is an
// admin, as in local mode and on a developer's machine.
package auth
