package realnet

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/dispatch"
)

// Bounds of the starts a driver runs off its goroutine.
const (
	// StartsInFlightMax bounds the starts a driver has begun whose
	// WorkerStarted it has not yet stepped; a start beyond it is refused at
	// once. The outcome lane holds this many events, so an admitted start's
	// outcome always has room: it never blocks and is never dropped.
	StartsInFlightMax = 64
	// StartsConcurrentMax bounds the starts that run at once: each may
	// download an artifact, and a supervisor starting many workers should
	// not download them all in parallel.
	StartsConcurrentMax = 4
)

// starts runs a driver's process effects: a StartWorker on a goroutine of
// its port (it may fetch an artifact for up to a download's bound), a
// StopWorker at once on the driver's goroutine unless a start on its port
// is in flight, in which case it runs after that start (dispatch.Ports).
// Outcomes go to the driver's outcome lane, which bypasses the inbox bound.
//
// Goroutines: one per port with a start in flight, begun by the driver and
// ended when the port has nothing more held; they outlive the driver's Run
// by at most the start under way (whose outcome then goes unread).
type starts struct {
	procs    Processes
	outcomes chan core.Event // capacity StartsInFlightMax
	slots    chan struct{}   // capacity StartsConcurrentMax: a start runs holding one
	log      *slog.Logger

	mu       sync.Mutex
	ports    dispatch.Ports
	inFlight int // starts admitted whose outcome the driver has not taken

	refused, stopsDropped atomic.Uint64
}

func newStarts(p Processes, log *slog.Logger) *starts {
	return &starts{procs: p, log: log, outcomes: make(chan core.Event, StartsInFlightMax),
		slots: make(chan struct{}, StartsConcurrentMax)}
}

// start begins e, or refuses it: then it returns the failed outcome, which
// the driver steps itself.
func (s *starts) start(e core.StartWorker) (refusal core.WorkerStarted, refused bool) {
	s.mu.Lock()
	a, inFlight := dispatch.Refused, s.inFlight
	if inFlight < StartsInFlightMax {
		a = s.ports.Admit(e)
	}
	if a != dispatch.Refused {
		s.inFlight++
	}
	s.mu.Unlock()
	switch a {
	case dispatch.Run:
		go s.run(e)
	case dispatch.Refused:
		s.refused.Add(1)
		err := fmt.Sprintf("realnet: start refused: %d starts in flight (at most %d) or %d effects held on port %d",
			inFlight, StartsInFlightMax, dispatch.PortHeldMax, e.Spec.Port)
		s.log.Warn(err)
		return core.WorkerStarted{Op: e.Op, Port: e.Spec.Port, Err: err}, true
	}
	return core.WorkerStarted{}, false
}

// stop runs e now, or after the start in flight on its port.
func (s *starts) stop(e core.StopWorker) {
	s.mu.Lock()
	a := s.ports.Admit(e)
	s.mu.Unlock()
	switch a {
	case dispatch.Run:
		s.procs.Stop(e)
	case dispatch.Refused:
		s.stopsDropped.Add(1)
		s.log.Warn("realnet: stop dropped: too many effects held on the port", "port", e.Port, "held_max", dispatch.PortHeldMax)
	}
}

// run is the goroutine of one port: it runs e, then what was held behind
// it, until its port has nothing more held.
func (s *starts) run(e core.StartWorker) {
	for {
		s.runOne(e)
		s.mu.Lock()
		next := s.ports.Done(e.Spec.Port)
		s.mu.Unlock()
		more := false
		for _, n := range next {
			switch n := n.(type) {
			case core.StopWorker:
				s.procs.Stop(n)
			case core.StartWorker:
				e, more = n, true // Done returns at most one start, last
			}
		}
		if !more {
			return
		}
	}
}

// runOne runs one start holding a concurrency slot and queues its outcome.
func (s *starts) runOne(e core.StartWorker) {
	s.slots <- struct{}{}
	defer func() { <-s.slots }()
	calls := 0
	s.procs.Start(e, func(ev core.WorkerStarted) {
		calls++
		core.Assert(calls == 1, "realnet: Processes reported start op=%d twice", e.Op)
		select {
		case s.outcomes <- ev:
		default:
			core.Assert(false, "realnet: outcome lane full with %d starts in flight", StartsInFlightMax)
		}
	})
	core.Assert(calls == 1, "realnet: Processes.Start returned without reporting op=%d", e.Op)
}

// taken: the driver stepped one outcome, freeing its room.
func (s *starts) taken() {
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
}
