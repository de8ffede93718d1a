// Package topology is the topology model: spouts and bolts joined by stream
// groupings, the settings a topology runs under, and what nimbus, the
// scheduler and workers derive from it.
//
//	author code                  client / nimbus / ZooKeeper
//	  NewBuilder ... Build ──┐     ┌── Decode(spec JSON)
//	                         ▼     ▼
//	                Topology (valid, canonical)
//	                 │        │          │
//	      Encode ◄───┘        │          └──► WithParallelism / WithWorkers
//	   (versioned spec)       ▼                  (rebalance: valid copies)
//	             Tasks, ComponentTasks, Executors     ValidateCapacity(max supervisor)
//	             (ids 1..N in sorted component order, (any task too big to place)
//	              acker included; executors are
//	              contiguous ranges, as Storm)
//
// # Model
//
// A component has a parallelism (executors, each a goroutine) and a task
// count, at least the parallelism and fixed for the topology's life: fields
// groupings hash onto tasks and workers route by task id, so rebalance changes
// only parallelism and workers. Resources are per task. Names are 1 to 128
// ASCII letters, digits, '_' or '-'; names starting with "__" belong to system
// components ("__acker") and streams ("__tick").
//
// Every Topology that this package hands out (Build, Decode, WithParallelism,
// WithWorkers) is valid and canonical: components sorted by name, inputs by
// (component, stream), empty collections nil. Two canonical topologies that
// are equal encode to the same bytes, and Decode(Encode(t)) equals t.
//
// # Spec
//
// The spec is JSON with "version": 1 and sorted keys at every level. Encode
// writes every field; Decode fills fields that a hand-written spec leaves out
// with the builder's defaults, rejects unknown fields and other versions, and
// validates. Durations are Go duration strings ("30s").
//
// # Errors
//
// Validation reports every problem it finds (up to a bound) in one
// *ValidationError, each problem with a path such as
// "bolts.count.inputs.split/default" and a sentinel (ErrUnknownStream, ...)
// that errors.Is finds through the ValidationError. Decoding errors wrap
// ErrSpec or ErrVersion and say where the problem is when encoding/json does.
//
// Everything here is pure: no clock, no I/O, no goroutines, and no map order
// that reaches a result.
package topology
