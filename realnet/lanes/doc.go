// Package lanes runs a real worker's tasks one goroutine per task, as
// JStorm runs one thread per task, behind the worker machine's Plane
// interface; the simulator keeps its single stepped executor.
//
// Every task (spout, bolt or acker) owns a one-task task.Executor, its
// lane. A lane steps its executor whenever input arrives, while it has
// work, and on a ticker (timeouts, tick tuples, idle spouts); nothing else
// touches that executor, so core/task stays single-threaded.
//
//	                      ┌──────── lane queue (batches of Remotes) ◄──────┐
//	machine.Deliver ─► recv goroutine: decode, split by Dest ─► lane ─► lane ─┘
//	                                                               │ encode
//	machine.Flush   ◄── outgoing batches (one per peer, ≤ FramesMax) ◄─┘
//
// Tuples and acking messages between lanes of one worker are handed over as
// batches of task.Remote, never encoded: values and roots are immutable
// once emitted, so lanes share them. A lane encodes what it produces for
// other workers itself, so encoding runs on as many cores as there are busy
// lanes; one receive goroutine decodes incoming batches and routes them by
// destination task. The machine's goroutine only moves bytes.
//
// Backpressure never blocks a lane on another (a cycle of lanes waiting on
// each other's full queues is the deadlock of STORM-3637). Lane queues and
// the outgoing queue have water marks: past queueHighMessages on any of
// them the worker is congested (its spouts wait, and its peers' spouts
// too, through the machine's pressure messages) until all are below
// queueLowMessages. Bolts and ackers always run, so a cycle drains. The
// hard bound is QueueMaxMessages per queue: a batch that would pass it is
// dropped and counted, as a tuple sent to a dead worker is, and its trees
// time out and replay; with spouts stopped at the high mark only a bolt
// that fans out enormously can reach it.
//
// A lane takes input from its queue only while its executor's inbox holds
// fewer than laneInboxMax tuples, so a slow bolt's backlog stays in its
// queue, where the water marks see it.
//
// The machine reads metrics through snapshots each lane publishes every
// metricsPublishPeriod (and when it stops): never the windows a lane is
// writing. Goroutines start at the plane's first Step (after the machine
// restored the saved windows) and end at Close, which waits for them.
package lanes
