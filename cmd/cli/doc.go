// Package cli is the squall command line: the daemons (nimbus, supervisor,
// worker), the client commands (submit, kill, activate, deactivate,
// rebalance, list, status), local mode and dev-zookeeper. The squall binary
// calls Main; so does a user's own topology program, which registers its
// topologies with RegisterTopology and thereby becomes an artifact that
// supervisors can run (`PROGRAM worker ...`), as a topology jar is in Storm.
//
//	squall nimbus ──► realnet.Driver(nimbus.Machine) ─┬─ zkadapter.Client ──► ZooKeeper
//	                   httpapi.Server (same port) ◄───┤─ realnet.Transport ◄─► supervisors
//	                   artifact.Store + replicator    │
//	squall supervisor ► realnet.Driver(supervisor.Machine) ─ procs.Runner ──► ARTIFACT worker
//	ARTIFACT worker ──► realnet.Driver(worker.Machine) ─ realnet.Transport ◄─► other workers
//
// Every machine is the same pure machine the simulator runs; only the
// drivers differ.
package cli
