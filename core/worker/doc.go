// Package worker is the control half of a worker process as a pure machine:
// it heartbeats to its supervisor and keeps the tasks its supervisor assigns
// it. (The tasks themselves, and the tuples between workers, come later.)
//
//	            WorkerHeartbeat{topology, port, epoch}   every HeartbeatPeriod,
//	worker ─────────────────────────────────────────►   and at once on start
//	       ◄─────────────────────────────────────────   supervisor
//	            WorkerAssign{topology, port, epoch, assigned, tasks}
//
// The heartbeat carries the epoch of the last assignment the worker took, 0
// before the first: a supervisor that sees a stale epoch sends the assignment
// again, so a lost WorkerAssign is repaired by the next heartbeat. The newest
// epoch wins; an assignment older than the one held, or older than the epoch
// the worker was started with, is ignored. An assignment with Assigned=false,
// or one naming another topology or port, ends the process with an Exit
// effect: a worker never runs what its supervisor does not want there.
package worker
