package dispatch

import "github.com/squall/squall/core"

// PortHeldMax bounds the process effects held behind one port's start in
// flight. A supervisor holds one start per port and stops it before
// another, so a handful is all a sane machine needs; past the bound a start
// is refused (a failed WorkerStarted) and a stop is dropped and counted by
// the driver (the supervisor bounds its wait for the exit).
const PortHeldMax = 16

// Admission is what to do with a process effect now.
type Admission uint8

const (
	// Run: execute it now. For a start, it is now the port's start in flight.
	Run Admission = iota
	// Held: it waits behind the port's start in flight; Done releases it.
	Held
	// Refused: PortHeldMax effects wait on the port already.
	Refused
)

// Ports sequences the process effects (StartWorker, StopWorker) of each
// port, so that they run in order per port while a start runs long: an
// effect on a port whose start is in flight is held until that start ends.
// It is bookkeeping only; the driver executes what it says to. The zero
// value is ready. Not safe for concurrent use: realnet guards it.
type Ports struct {
	// held has an entry for each port with a start in flight: the effects
	// waiting behind it, in order.
	held map[core.Port][]core.Effect
}

// portOf is the port of a process effect.
func portOf(e core.Effect) (core.Port, bool) {
	switch e := e.(type) {
	case core.StartWorker:
		return e.Spec.Port, true
	case core.StopWorker:
		return e.Port, false
	}
	core.Assert(false, "dispatch: %T is not a process effect", e)
	return 0, false
}

// Admit says what to do with a process effect e now.
func (p *Ports) Admit(e core.Effect) Admission {
	port, start := portOf(e)
	q, busy := p.held[port]
	switch {
	case busy && len(q) >= PortHeldMax:
		return Refused
	case busy:
		p.held[port] = append(q, e)
		return Held
	case start:
		if p.held == nil {
			p.held = map[core.Port][]core.Effect{}
		}
		p.held[port] = nil
	}
	return Run
}

// Done ends the start in flight on port and returns what to execute now,
// in order: the stops held behind it, up to and including the next held
// start, which becomes the port's start in flight. Nil when nothing waited.
func (p *Ports) Done(port core.Port) []core.Effect {
	q, busy := p.held[port]
	core.Assert(busy, "dispatch: Done on port %d, which has no start in flight", port)
	for i, e := range q {
		if _, start := portOf(e); start {
			p.held[port] = q[i+1:]
			return q[:i+1]
		}
	}
	delete(p.held, port)
	return q
}

// InFlight reports whether a start is in flight on port.
func (p *Ports) InFlight(port core.Port) bool {
	_, busy := p.held[port]
	return busy
}

// Forget drops every start in flight and everything held: the process that
// ran them died, and with it their outcomes.
func (p *Ports) Forget() { clear(p.held) }
