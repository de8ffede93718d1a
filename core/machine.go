package core

// Machine is the shape of every daemon's logic: nimbus, supervisor, worker,
// task, election candidate.
//
// Step consumes one input. now is monotonic and never decreases between calls.
// Ready drains, in order, the effects produced since the last call; the driver
// must execute them in that order (see Effect for the ordering contract).
//
// A machine must be deterministic: the same sequence of (now, event) pairs and
// the same seed produce the same sequence of effects.
type Machine interface {
	Step(now Time, ev Event)
	Ready() []Effect
}
