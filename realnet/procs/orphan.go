package procs

import (
	"time"

	"github.com/squall/squall/core"
)

// pollOrphans is the goroutine that watches adopted orphans, started by New
// when it adopted any. An orphan is not our child, so its end cannot be
// waited for: it is polled every OrphanPollPeriod. The goroutine ends when
// the last orphan ended or at Close.
func (r *Runner) pollOrphans() {
	t := time.NewTicker(OrphanPollPeriod)
	defer t.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-t.C:
		}
		evs, left := r.endedOrphans()
		for _, ev := range evs {
			r.sink(ev)
		}
		if left == 0 {
			return
		}
	}
}

// endedOrphans forgets the orphans that no longer run and returns their
// WorkerExited events, in port order, and how many orphans remain.
func (r *Runner) endedOrphans() (evs []core.Event, left int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, 0
	}
	for _, port := range r.sortedPorts() {
		p := r.procs[port]
		if p.cmd != nil {
			continue
		}
		if p.rec.sameProcess(r.boot) {
			left++
			continue
		}
		p.exited = true
		if p.kill != nil {
			p.kill.Stop()
		}
		r.forget(p)
		// Not our child: its exit status is the reaper's, not ours to read.
		reason := "orphan ended, status unknown"
		if p.stopping {
			reason = "stopped"
		}
		r.log.Info("procs: orphan worker ended", "port", port, "pid", p.rec.PID, "reason", reason)
		evs = append(evs, core.WorkerExited{Port: port, Topology: p.rec.Topology, Reason: reason})
	}
	return evs, left
}
