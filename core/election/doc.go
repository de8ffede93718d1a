// Package election is leader election with fencing on ZooKeeper, as a pure
// machine. Nimbus reuses it; the election-chaos scenario proves it.
//
// Layout under Root (default /squall):
//
//	nimbus/election/n_NNNNNNNNNN   ephemeral sequential, one per candidate: id, address, priority
//	nimbus/leader                  ephemeral, created by the leader's claim
//	nimbus/fenced-counter          persistent, the leader's fenced writes (workload)
//
// The protocol:
//
//	new session ──► enroll: create election/n_ (ephemeral sequential)
//	     │
//	     ▼
//	refresh: exists(leader, watch) + get(leader) + children(election) + get(each)
//	     │
//	     ├─ leader node exists ──► follow it (its owner session leads)
//	     └─ vacant ──► claim after rank × ClaimDelayPerRank, where rank orders
//	                   candidates by priority (high first), then sequence (low first)
//	claim = multi[ check(own election node), create(leader, ephemeral) ]
//	write = multi[ check(own election node), set(...) ]          ◄── fencing
//
// Priority decides who claims a vacancy first; it never preempts a sitting
// leader, so a higher-priority candidate joining does not cause a failover
// (no leadership flapping). Leadership ends only with the leader's session:
// ZooKeeper then deletes its election node and its leader node together, and
// every later write of the deposed leader fails its check, even one that a
// go-zookeeper client sends on a fresh session before the machine has heard
// of the expiry.
package election
