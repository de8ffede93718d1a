// Package zkadapter executes the coordination effects of core's machines on
// a real ZooKeeper, through github.com/go-zookeeper/zk, and on an in-memory
// model for local mode. Results, watch notifications and session changes
// come back as core events, in the order the simulator's client (sim,
// zkclient.go) delivers them, so that nimbus, supervisors and elections
// behave the same in both worlds.
//
// # Client
//
// One Client is one ZooKeeper session of one machine:
//
//	driver ── Submit(Coord) ──► pending (≤ requestsQueuedMax)
//	                                │ runRequests: one request at a time,
//	                                │ only while a session is established
//	                                ▼
//	                          go-zookeeper Conn ◄──► ZooKeeper
//	                                │            │
//	      reply (blocking call) ◄───┘            └──► event callback on the
//	                │                                 library's goroutines:
//	                │                                 watches, session states
//	                ▼                                      ▼
//	        out: one ordered queue (≤ eventsQueuedMax) ◄───┘
//	                │ runSink
//	                ▼
//	          sink(core.Event)   CoordResult, WatchFired, SessionChanged
//
// Requests reach ZooKeeper in submission order because one goroutine sends
// them one at a time; a machine's coordination traffic is small (elections,
// registrations, assignments), so a round trip per request is cheap enough
// and keeps the library's blocking API. Results come back in the same order.
//
// ZooKeeper writes a watch notification before the reply to any later
// request of the session. go-zookeeper reports notifications through a
// callback and replies through the blocking call, on different goroutines,
// so the client watches the bytes on the connection (wire.go): a
// notification read after the reply of the request in flight is held until
// that request's result is queued. The sink thus sees exactly the wire
// order.
//
// Session states, as the simulator's client reports them:
//
//   - Connected{id} when a session is established: the first one, one resumed
//     after a lost connection, or a new one after an expiry. Requests
//     submitted meanwhile waited and go out after it.
//   - Disconnected{id} when a connected client loses its connection. The
//     request in flight, if its reply was not read, fails first with
//     CodeConnectionLoss: its outcome is unknown (it may still be applied).
//     go-zookeeper reconnects by itself, resuming the session if it lives
//     (it sets its watches again, and the server fires those that changed;
//     requests wait until it has, see resumeGate).
//   - Expired{old id} when the server says the session is gone; its ephemerals
//     and watches are gone too. go-zookeeper then opens a new session by
//     itself, reported by Connected{new id}. A real ZooKeeper closes an
//     expired session's connection, so Disconnected comes first.
//
// Every code of core.Code is produced: the server's codes one to one,
// CodeBadArguments for malformed requests (rejected locally exactly as the
// model rejects them, or by the library or the server), CodeConnectionLoss
// for anything that leaves the outcome unknown (lost connection, no server,
// a full queue, an unknown error), CodeSessionExpired, and per-operation
// codes of a failed Multi (CodeOK before the failing operation,
// CodeRuntimeInconsistency after it).
//
// Bounds: at most requestsQueuedMax requests wait; past it Submit fails the
// request at once with CodeConnectionLoss (as the simulator's client does)
// rather than block a driver that may be the sink's consumer. At most
// eventsQueuedMax events wait for the sink; past it the client stops reading
// from ZooKeeper until the sink catches up.
//
// Goroutines: runRequests and runSink, started by New and ended by Close,
// plus go-zookeeper's own, which Close ends by closing the connection.
//
// # MemoryServer
//
// Local mode runs every machine in one process on MemoryServer: the
// simulator's model (sim/zkmodel) behind a mutex with the real clock.
// Sessions never expire while their client is open; Close ends a session,
// deleting its ephemerals and firing the watches others left on them. Each
// MemoryClient delivers its events from a goroutine of its own, in order.
//
// # Conformance
//
// The ZooKeeper conformance suite (sim/zkmodel/conformance) runs against a
// real server through Client and against MemoryServer (conformance_test.go);
// the model passes it in its own package. A real server is found through
// SQUALL_ZK (host:port), which `make test` sets by running the tests under
// .ci/zk.sh. StartDev starts a development ZooKeeper from Debian's package.
package zkadapter
