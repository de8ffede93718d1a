// Package protocol is what Squall's daemons say to each other: the ZooKeeper
// layout and the records stored in it, and the messages sent over the network.
// Everything here is plain data with a JSON encoding; decoding validates and
// returns errors that name what is wrong, never panics.
//
//	ZooKeeper (coordination only)            messages (heartbeats, metrics, clients)
//	  /squall/supervisors/<id>   ephemeral     worker ──WorkerHeartbeat──► supervisor
//	  /squall/topologies/<id>    persistent    supervisor ──WorkerAssign──► worker
//	    .../<id>/errors          persistent    (its last errors: ErrorsRecord)
//	  /squall/assignments/<id>   persistent    supervisor ──SupervisorHeartbeat──► nimbus leader
//	  /squall/nimbus/...         election      client ──ClientRequest──► nimbus ──ClientReply──►
//
// Heartbeats never go through ZooKeeper (Storm 2 and JStorm 2.1 moved them out
// after ZooKeeper overload caused mass reassignment). Task errors ride the
// heartbeats to the leader, which keeps the last ErrorsPerComponentMax per
// component in the topology's errors record, as Storm keeps them in
// ZooKeeper: rare, bounded, and rate-limited writes.
package protocol
