// Package worker is a worker process as a pure machine: it heartbeats to its
// supervisor, keeps the tasks its supervisor assigns it, and runs them in a
// task.Executor, moving tuples to and from the other workers of its
// topology.
//
//	            WorkerHeartbeat{topology, port, epoch}   every HeartbeatPeriod,
//	worker ─────────────────────────────────────────►   and at once on start
//	       ◄─────────────────────────────────────────   supervisor
//	            WorkerAssign{topology, port, epoch, assigned, tasks, status}
//
// The heartbeat carries the epoch of the last assignment the worker took, 0
// before the first: a supervisor that sees a stale epoch sends the assignment
// again, so a lost WorkerAssign is repaired by the next heartbeat. The newest
// epoch wins; an assignment older than the one held, or older than the epoch
// the worker was started with, is ignored. An assignment with Assigned=false,
// or one naming another topology or port, ends the process with an Exit
// effect: a worker never runs what its supervisor does not want there.
//
// The data plane, on every tick:
//
//	Executor.Step ─► TakeRemote: one outbox per peer ─► Encoder ─► Send (≤ FramesMax frames each)
//	Recv ─► Decoder.DeliverBatch (all or nothing) ─► Executor: bolt inboxes, ackers, spouts' ack queues
//
// Each worker keeps one task.Encoder and one task.Decoder, so a steady flow
// reuses their buffers and the decoder's string table and number cache.
//
// That is the default Plane (NewSinglePlane), the one the simulator steps.
// Config.Plane may supply another: realnet/lanes runs each task on its own
// goroutine, hands tuples between them unencoded and does the encoding and
// decoding off the machine's goroutine; the machine then only moves batches
// (Plane.Flush, Plane.Deliver) and reads metric snapshots.
// Spouts wait until every peer has spoken (as Storm workers wait for their
// connections), and while this worker's inboxes or a peer are congested
// (backpressure messages that lapse after pressureTTL).
//
// The assignment carries the topology's status, as nimbus wrote it: only
// while it is ACTIVE (and every peer has spoken) do the spouts run. An
// INACTIVE, KILLED or REBALANCING topology's spouts get Deactivate once and
// no NextTuple; their acks, fails and timeouts go on, as in Storm. A status
// change with the same tasks keeps the tasks running.
package worker
