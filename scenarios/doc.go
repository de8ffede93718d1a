// Package scenarios is the catalog of simulated runs: each scenario builds a
// sim.World from a seed, injects faults in a safety phase while invariant
// checkers watch every step, then heals a core of the cluster in a liveness
// phase that must converge within a bounded virtual time.
//
//	seed ──► World (shape, fault rates, every choice)
//	           │
//	           ├─ safety phase: chaos + invariants checked after each step
//	           └─ liveness phase: heal, stop faults, require convergence
//	           │
//	           ▼
//	Result {verdict, violations, measures, trace hash}
//
// The same seed always gives the same Result, trace hash included (wall time
// aside). A failing Result names the one command that reproduces it.
//
// Scenarios are written as files (see the README section "Writing your own
// scenarios and properties"):
//
//	catalog/*.yaml ─ParseFile─► Spec ─RunSpec─► engine ─► Result
//	                              ▲                │ timeline steps, chaos window,
//	SwarmSpec(seed) ──────────────┘                │ named checks and measures
//	                                               ▼ (checks.go)
//	                                            cluster (cluster.go)
//
// A file with "engine: go" names a scenario whose logic the format cannot
// express; its Go body is registered under the same name. The swarm draws a
// Spec from each seed alone (SwarmSpec), runs it, and prints a failing seed
// as a file that reproduces it. Replay reruns a seed with an observer that
// records a timeline and writes it as one self-contained HTML page; the
// observer schedules nothing, so the trace hash is the first run's.
//
// Beyond the core format (name, cluster, topologies, timeline, chaos,
// liveness, run_for, expect), the engine understands:
// crash_host, add_supervisors and check actions; for on crash (restart
// after) and on partitions (heal after); nodes follower, any_supervisor,
// any_nimbus, crashed and sup-N:PORT; cluster.cpu; topology at, sentences,
// messages, timeout, max_pending, cost; chaos every, lost_reply, workers
// and weights (drawn from the seed when absent); stop_after_converged.
package scenarios
