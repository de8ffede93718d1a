// Package lanes runs a real worker's tasks one goroutine per task, as
// JStorm runs one thread per task, behind the worker machine's Plane
// interface. It is the thin runner of core/lanes: the lanes' logic (taking
// input, stepping, routing, encoding, water marks, the hard bound) is that
// package's, the same code the simulator's Stepped plane runs a lane at a
// time in an order drawn from the seed; this package adds only the
// goroutines, the locks and the wakeups.
//
//	                      ┌──────── lane queue (batches of Remotes) ◄──────┐
//	machine.Deliver ─► recv goroutine: decode, split by Dest ─► lane ─► lane ─┘
//	                                                               │ encode
//	machine.Flush   ◄── outgoing batches (one per peer, ≤ FramesMax) ◄─┘
//
// Every task (spout, bolt or acker) owns a core lane with a one-task
// task.Executor. A lane's goroutine runs rounds of it while it has work,
// whenever input arrives, and on a ticker (timeouts, tick tuples, idle
// spouts); nothing else touches that lane, so core/task stays
// single-threaded. The Plane is the lanes' Hub: per-lane queues under a
// mutex with atomic depths, the outgoing queue, and pooled batches.
//
// Tuples and acking messages between lanes of one worker are handed over as
// batches of task.Remote, never encoded: values and roots are immutable
// once emitted, so lanes share them. A lane encodes what it produces for
// other workers itself, so encoding runs on as many cores as there are busy
// lanes; one receive goroutine decodes incoming batches and routes them by
// destination task. The machine's goroutine only moves bytes.
//
// Backpressure and the hard bound QueueMaxMessages are core/lanes' (see its
// doc): spouts stop past the high water mark, bolts always run, and a
// batch that would pass the hard bound is dropped and counted; its trees
// time out and replay.
//
// The machine reads metrics through snapshots each lane publishes every
// metricsPublishPeriod (and when it stops): never the windows a lane is
// writing. Goroutines start at the plane's first Step (after the machine
// restored the saved windows) and end at Close, which waits for them.
package lanes
