// Package nimbus is the cluster's scheduler daemon as a pure machine.
//
// Several nimbuses run; one leads. Leadership comes from the embedded
// election.Candidate (priority, no preemption, fencing), and every write the
// leader makes — topology records, assignments — is a multi whose first op
// checks the leader's own election node, so a deposed leader writes nothing.
//
//	client ──ClientRequest──► nimbus ──follower──► ClientReply{NotLeader, Leader}
//	                            │
//	                          leader
//	                            │ takeover: load topologies, assignments, supervisors
//	                            │           workers get a grace period (STORM-3984)
//	                            ▼
//	  topology lifecycle ─► fenced writes of /topologies/<id> (pending kill and
//	                        rebalance deadlines live there: they survive a crash)
//	  supervisors (ZK ephemerals) + worker health (SupervisorHeartbeat messages)
//	            └──► scheduler.Schedule ──► fenced writes of /assignments/<id>, epoch+1
//
// Each assignment also carries its topology's status: workers never read
// topology records, so a deactivate, kill or rebalance reaches their spouts
// as a new epoch with the same workers, written as soon as the record is.
// A kill or rebalance without a wait (DefaultWait) waits the topology's
// message timeout, as Storm's.
//
// Worker health never goes through ZooKeeper: supervisors report it to the
// leader by message. A worker silent for its topology's worker timeout loses
// its slot; a supervisor whose ephemeral node vanishes loses all of its slots.
package nimbus
