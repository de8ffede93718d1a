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
package scenarios
