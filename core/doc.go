// Package core holds the contract every Squall machine obeys and the plain data
// types that cross it.
//
// A machine is a pure state machine in the shape of etcd raft's RawNode:
//
//	    Event (Tick, CoordResult, WatchFired, SessionChanged, Recv, Persisted)
//	      │
//	      ▼
//	m.Step(now, ev) ──► internal state ──► m.Ready() []Effect
//	                                          │
//	                                          ▼
//	    driver (sim or real) executes effects in order and feeds
//	    their outcomes back as events carrying the same OpID
//
// A machine never reads a clock, starts a goroutine, touches the OS or the
// network: time enters as the now argument, randomness through a seeded
// generator given at construction. The purity test in this package enforces that
// for every non-test file under core/.
//
// Coordination effects mirror ZooKeeper exactly (see coord.go): the simulator's
// ZooKeeper model and the real ZooKeeper adapter execute the same requests and
// answer with the same result codes, so a machine cannot tell them apart.
package core
