// Package procs runs a supervisor's worker processes on the real operating
// system: it executes the supervisor machine's StartWorker and StopWorker
// effects and reports their outcomes, WorkerStarted and WorkerExited, as
// events through a sink, the way package sim does in the simulator.
//
//	driver (realnet)                 Runner                          OS
//	  StartWorker ──► Start ─ port held? ─ yes ─► WorkerStarted{Err: "port in use"}
//	                           │ no
//	                           ├─ Command(spec), own process group ──fork/exec──► worker
//	                           │    stdout, stderr >> Dir/logs/worker-<port>.log
//	                           ├─ record {port, pid, start ticks, boot, topology, epoch}
//	                           │    synced to Pebble (Dir/db), THEN
//	                           └─────────────────────► WorkerStarted{Op, Port}
//	                   wait goroutine: waitid(WNOWAIT) ◄──────────── exit
//	                     forget record, reap, ──────► WorkerExited{Port, Topology, Reason}
//	  StopWorker  ──► Stop ── SIGTERM to the group ─────────────────► worker
//	                           └─ after StopGrace, if alive: SIGKILL
//	  (restart)   ──► New ── records of the earlier runner:
//	                           same pid, boot and start ticks alive ► adopted orphan
//	                           anything else ──────────────────────► record deleted
//	                   orphan poller, every OrphanPollPeriod ──────► WorkerExited
//
// # Ports and processes
//
// A port is held by at most one process: a child this runner started, or an
// orphan a previous runner on the same Dir started and this one adopted. A
// Start on a held port is refused with "port in use", exactly as in the
// simulator; the supervisor machine then stops the holder and retries. Stop
// signals the holder's process group, so a worker's own children die with it.
//
// # Exits
//
// Each child has a goroutine blocked in waitid(WEXITED|WNOWAIT): the exit is
// seen at once, the port freed and the record deleted while the zombie still
// holds the pid (so no signal can reach a process that reused it), then the
// child is reaped and WorkerExited reported, never before its WorkerStarted.
// Reasons: "exited with code N", "killed by signal N (name)", "stopped" (after
// Stop). An orphan is not our child, so its status cannot be read: its end is
// polled and reported as "orphan ended, status unknown" (or "stopped").
//
// # Restart and adoption
//
// A record is written and synced after the fork and before WorkerStarted, so
// every process the supervisor was told of is known to the next runner. The
// next runner adopts a recorded process only if /proc/<pid>/stat shows it
// alive with the recorded start time, in the same boot: a pid reused by
// another process is never adopted and never signalled. A Close (or a crash)
// kills nothing: workers outlive their supervisor, as in Storm, and the
// supervisor machine adopts them again through their heartbeats.
//
// The one window left: a supervisor killed between the fork and the synced
// record (one fsync, a few milliseconds) leaves a worker that no record
// names. The next runner can neither refuse its port nor stop it; the
// supervisor machine, whose own launch record names the port, still adopts
// it if it heartbeats. Closing the window would need a marker in the
// worker's environment and a scan of /proc at restart.
//
// # Errors
//
// A failed Start is reported in WorkerStarted.Err, prefixed "procs: ", and
// leaves no process behind; the supervisor machine retries after backoff.
// If the store fails (storage.ErrFailed) every later Start fails with that
// error: the daemon should be restarted, and the new runner adopts what
// runs.
//
// Linux only: the runner reads /proc and calls waitid; New says so elsewhere.
package procs
