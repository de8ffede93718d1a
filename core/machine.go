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

// OpSeq allocates OpIDs. Machines composed of parts (nimbus embeds an election
// candidate) share one, so that results route to the part that asked.
type OpSeq struct{ last OpID }

// Next returns a new OpID, strictly greater than every earlier one.
func (s *OpSeq) Next() OpID {
	s.last++
	return s.last
}
