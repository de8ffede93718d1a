package procs

import (
	"syscall"
	"time"

	"github.com/squall/squall/core"
)

// Stop executes a StopWorker: whatever process holds the port, a child or an
// adopted orphan, gets SIGTERM to its process group, and SIGKILL after
// StopGrace if it still runs. Its end is reported by WorkerExited with reason
// "stopped". A port no process holds reports nothing (the core contract: the
// supervisor bounds its wait). A second Stop while one is under way changes
// nothing.
func (r *Runner) Stop(e core.StopWorker) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.procs[e.Port]
	if r.closed || p == nil || p.stopping || p.exited {
		return
	}
	p.stopping = true
	r.log.Info("procs: stopping worker", "port", e.Port, "pid", p.rec.PID, "grace", r.cfg.StopGrace)
	r.signal(p, syscall.SIGTERM)
	// The timer's goroutine ends after one call; wait stops it when the child ends first.
	p.kill = time.AfterFunc(r.cfg.StopGrace, func() { r.escalate(p) })
}

// escalate sends SIGKILL to a stopped process still running after the grace.
func (r *Runner) escalate(p *proc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.exited {
		return
	}
	r.log.Warn("procs: worker ignored SIGTERM, killing it", "port", p.rec.Port, "pid", p.rec.PID)
	r.signal(p, syscall.SIGKILL)
}

// signal signals the process group of p. Called with mu. A child is not
// reaped while mu shows it running, so its pid, which is its group id, is
// still its own. An orphan is not our child: it is checked against its
// record first, so a pid reused since the last poll is never signalled.
func (r *Runner) signal(p *proc, sig syscall.Signal) {
	if p.cmd == nil && !p.rec.sameProcess(r.boot) {
		return // the orphan ended; the poller reports it
	}
	err := syscall.Kill(-p.rec.PID, sig)
	if err == syscall.ESRCH {
		// No such group: a process not started by a runner (its record
		// was written by hand) or one that left its group. Signal it alone.
		err = syscall.Kill(p.rec.PID, sig)
	}
	if err != nil {
		r.log.Warn("procs: signal worker", "port", p.rec.Port, "pid", p.rec.PID, "signal", sig.String(), "err", err)
	}
}
