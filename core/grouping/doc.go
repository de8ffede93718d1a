// Package grouping routes tuples: for each tuple a task emits on a stream, it
// picks the tasks of each subscribing bolt that receive it, by that
// subscription's stream grouping, over the current assignment.
//
//	topology.Grouping ─┐
//	source fields ─────┤
//	target tasks ──────┼─► New ─► Router, one per (emitting task, subscription)
//	Placement ─────────┤            │
//	*rand.Rand ────────┘            ├─ Route(values, dst) ─► the tasks that receive the tuple
//	                                └─ Direct(task) ───────► nil, or why the emitter may not pick task
//
// New does the work that does not depend on the tuple (sorting the targets,
// finding field positions, picking local tasks) so that Route is a few
// nanoseconds and allocates nothing when the caller reuses dst.
//
// # Groupings
//
//	kind              Route appends                                 router state
//	shuffle, none     the next task of a random permutation of the  permutation, position
//	                  targets, redrawn once all are used
//	fields            targets[hash(fields) mod n], targets by id    -
//	partial_key       of the key's two candidate tasks, the one     tuples per target
//	                  this router sent fewer tuples to
//	all               every target                                  -
//	global            the target with the lowest id                 -
//	direct            nothing: the emitter names the task and       -
//	                  Direct checks it is a target
//	local_or_shuffle  shuffle over the targets in the emitter's     as shuffle
//	                  worker, or over all when there are none
//	local_first       shuffle over the targets in the emitter's     as shuffle
//	                  worker, else on its host, else all (JStorm)
//	custom            what the registered CustomGrouping chooses    the implementation's
//
// Shuffle gives every target exactly one tuple per round of n tuples; fields
// and partial_key hash a canonical form of the values (see hash.go) that is
// equal for equal values of any integer type and the same in every process.
// Every router works on the targets sorted by id, so the order a caller lists
// them in changes nothing.
//
// # Assignment changes
//
// A router reads Placement only in New. When the assignment changes, build
// new routers: local groupings then prefer the new neighbours. Fields routes
// do not move, because a component's task count is fixed for the topology's
// life.
//
// # Custom groupings
//
// RegisterCustom registers an implementation by name from an init function;
// the registry is a plain map, not safe for concurrent registration, because
// core may not import sync.
//
// Everything here is pure: no clock, no I/O, no goroutines; randomness comes
// only from the *rand.Rand handed to New, so a seed replays the same routes.
package grouping
