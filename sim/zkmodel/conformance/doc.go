// Package conformance is a suite of ZooKeeper semantics, written against two
// small interfaces so that the same cases run against the simulator's model
// (package zkmodel) and against a real ZooKeeper through the go-zookeeper
// adapter. A case that passes on the model and fails on a real server shows
// the model (or the case) wrong.
//
//	       Cases() ──► Run(t, newEnv)
//	                      │ one fresh Env per case
//	        ┌─────────────┴──────────────┐
//	        ▼                            ▼
//	model Env (zkmodel)          real Env (zkadapter)
//	Session.Do = Server.Apply    Session.Do = one go-zookeeper call
//
// The cases only assert what a real server does and what any client can see:
// result codes, data, relative zxids (equal, greater), counters, names and
// watch events in order. They never depend on absolute zxids or session ids,
// on timing, or on anything outside Env.Root().
//
// Where the core contract and go-zookeeper differ the adapter translates, and
// the suite holds it to the contract: children come back sorted, an invalid
// path is CodeBadArguments whether the client library or the server rejects
// it, and an expired session answers CodeSessionExpired or CodeConnectionLoss
// (a real client may report either once its session is gone).
package conformance
