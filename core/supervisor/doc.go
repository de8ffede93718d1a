// Package supervisor is the supervisor daemon's logic as a pure machine: it
// registers the host in ZooKeeper, watches the assignments, starts, adopts,
// restarts and stops worker processes so that each of its ports runs what the
// assignments say, and reports its workers to the nimbus leader.
//
//	ZooKeeper                      supervisor                         processes
//	 supervisors/<id> ◄─create──  register (each new session)
//	 assignments/*   ──watch──►   desired: port → topology, epoch, tasks
//	 nimbus/leader   ──watch──►   leader id
//	                                 │ reconcile, per port, in port order
//	                                 ▼
//	         empty ──Persist record──► persisting ──Persisted──► starting ──StartWorker──►
//	           ▲                                                    │ WorkerStarted
//	           │ WorkerExited / StopTimeout                         ▼
//	       stopping ◄──StopWorker── undesired, other topology,  running ◄── WorkerHeartbeat
//	                                silent (WorkerTimeout)         │       (adopts orphans)
//	                                                               ├─WorkerAssign──► worker
//	                   nimbus leader ◄──SupervisorHeartbeat────────┘  every HeartbeatPeriod
//
// Rules it keeps:
//
//   - Write-ahead. A launch record "worker/<port>" is durable before its
//     StartWorker, and deleted only once the port is free and undesired, so a
//     restarted supervisor, handed its store by the Restored event, knows every
//     port that may hold a worker of an earlier incarnation. Such a worker that
//     heartbeats is adopted without a restart; one silent for
//     WorkerStartTimeout is stopped and started again.
//   - One worker per port. A StartWorker is only sent on a port whose previous
//     worker reported its exit, or after StopTimeout (a StopWorker on an empty
//     port reports nothing). A refused start means an orphan holds the port:
//     it is stopped, and the start retried after backoff. Two topologies
//     claiming one port (nimbus midway through a move) leave the port to its
//     occupant, or free, until the assignments agree (STORM-155).
//   - ZooKeeper or nimbus gone changes nothing that runs. Only a complete read
//     of the assignments replaces the desired state; a session expiry only
//     re-registers (STORM-1451), and heartbeats pause while no leader is known.
//   - Health. A worker silent for WorkerTimeout (shorter than nimbus's, so a
//     hung worker is restarted in place before nimbus moves it, STORM-589), or
//     crashing, is restarted after a backoff that doubles from
//     RestartBackoffMin to RestartBackoffMax and resets after BackoffReset of
//     health.
//   - Before any Restored event, every port is unknown: a heartbeat adopts its
//     worker, and a desired port still silent after WorkerStartTimeout is
//     cleared with a defensive StopWorker before a start, so a driver that
//     delivers no Restored is still safe, only slower.
//
// Corrupt assignments, leader nodes, launch records and messages are counted
// in Stats and skipped, never trusted and never a panic.
package supervisor
