// Package dispatch is the one effect dispatcher of Squall's drivers: the
// simulator (package sim) and the real-time driver (package realnet) both
// hand a machine's effects to Execute, which routes each to its executor.
// The delivery contract is stated here once, and both drivers keep it.
//
//	machine.Ready() ──► Execute ──┬─ Coord ──────────► coordination (ZooKeeper)  ─► CoordResult{Op}
//	                    (in order)├─ Persist ────────► local store, synced       ─► Persisted{Op}
//	                              ├─ Send ───────────► network, best effort
//	                              ├─ StartWorker ────► process runner (slow)     ─► WorkerStarted{Op}
//	                              ├─ StopWorker ─────► process runner            ─► WorkerExited
//	                              ├─ Log ────────────► logger (or the trace)
//	                              └─ Exit ───────────► the process ends
//
// # Delivery contract
//
//   - Order. Effects start in the order Ready returned them. Execute stops
//     at the first effect it finds the machine's process dead (after an
//     Exit, or a simulated crash): a dead process executes nothing more.
//   - Persist is write-ahead: the executor returns only once the write is
//     durable, so no later effect of the machine starts before it; its
//     Persisted is stepped before any other event the machine receives.
//   - Outcomes are events carrying the effect's OpID (CoordResult,
//     Persisted, WorkerStarted), stepped later, never inside Execute: an
//     executor never re-enters the machine.
//   - Slow effects never hold the driver. A StartWorker may take long (an
//     artifact download, a fork): the executor only begins it and returns;
//     its WorkerStarted comes back as an event when it ends. Meanwhile the
//     machine keeps receiving ticks and messages. An outcome is never
//     dropped silently: a driver that cannot take one more start in flight
//     refuses it at once with a failed WorkerStarted, and the outcomes of
//     admitted starts have room reserved (realnet) or are queued (sim).
//   - Process effects of one port run in order. A StopWorker, or a second
//     StartWorker, on a port whose start is in flight waits for that start
//     to end (Ports sequences them), so a stop always meets the process the
//     start made. Effects on other ports are not held.
//   - A start of a process that dies before it ends (its supervisor crashes
//     mid-download) has no outcome: the machine died with it.
//
// The package is pure (core's purity rules hold): the drivers own the
// goroutines, clocks and I/O behind the Executor they pass in.
package dispatch
