package task

// Pressure is a read-only view of the inbox water marks for checkers: on
// is the state the last evaluation left (the spouts of this worker wait,
// and its peers are told so), drained whether every inbox is at or under
// the low mark now, and over whether one is past the high mark now. It
// evaluates nothing, so a checker that polls it changes no behaviour.
func (e *Executor) Pressure() (on, drained, over bool) {
	drained = true
	for _, t := range e.order {
		n := len(t.inbox) - t.head
		drained = drained && n <= inboxLow
		over = over || n > inboxHigh
	}
	return e.pressure, drained, over
}
