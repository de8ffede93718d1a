package grouping

import (
	"strconv"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// Locality is how near a task runs to the emitting task.
type Locality uint8

// Localities, from far to near.
const (
	Remote     Locality = iota // on another host, or not known
	SameHost                   // in another worker on the emitter's host
	SameWorker                 // in the emitter's own worker
)

func (l Locality) String() string {
	switch l {
	case Remote:
		return "remote"
	case SameHost:
		return "same-host"
	case SameWorker:
		return "same-worker"
	}
	return "locality(" + strconv.Itoa(int(l)) + ")"
}

// Placement is where tasks run, seen from the emitting task: plain data
// that a worker derives from its assignment. Workers are numbered by the
// caller, e.g. by position in the assignment. Only local-or-shuffle and
// local-first groupings read it, once, in New. The zero Placement knows
// nothing, so every task is remote.
type Placement struct {
	// WorkerOf gives the worker of each task; a task absent from it is
	// remote.
	WorkerOf map[core.TaskID]int
	// HostOf gives the host of each worker; a worker absent from it, or
	// with an empty host, shares a host with no other.
	HostOf map[int]string
	// LocalWorker is the emitting task's worker.
	LocalWorker int
}

// Of returns where task runs relative to the emitting task.
func (p Placement) Of(task core.TaskID) Locality {
	w, ok := p.WorkerOf[task]
	switch {
	case !ok:
		return Remote
	case w == p.LocalWorker:
		return SameWorker
	case p.HostOf[w] != "" && p.HostOf[w] == p.HostOf[p.LocalWorker]:
		return SameHost
	}
	return Remote
}

// Locate returns the placement of an assignment's workers seen from the
// worker at supervisor:port, numbering workers by their position in workers.
// A worker absent from workers sees every task as remote.
func Locate(workers []protocol.WorkerAssignment, supervisor core.SupervisorID, port core.Port) Placement {
	p := Placement{WorkerOf: map[core.TaskID]int{}, HostOf: map[int]string{}, LocalWorker: -1}
	for i, w := range workers {
		if w.Supervisor == supervisor && w.Port == port {
			p.LocalWorker = i
		}
		p.HostOf[i] = w.Host
		for _, t := range w.Tasks {
			p.WorkerOf[t] = i
		}
	}
	if p.LocalWorker < 0 {
		return Placement{}
	}
	return p
}

// nearest returns the targets in the first of tiers that holds any, a tier
// being the targets of exactly that locality, or all targets when none does.
// The result keeps the order of targets.
func (p Placement) nearest(targets []core.TaskID, tiers ...Locality) []core.TaskID {
	for _, tier := range tiers {
		var in []core.TaskID
		for _, t := range targets {
			if p.Of(t) == tier {
				in = append(in, t)
			}
		}
		if len(in) > 0 {
			return in
		}
	}
	return targets
}
