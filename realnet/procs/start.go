package procs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/squall/squall/core"
)

// Start executes a StartWorker: it starts the worker command in a process
// group of its own, logging to LogPath(port), records it durably, and only
// then reports WorkerStarted. A port held by a live process, a child or an
// adopted orphan, is refused with Err "port in use", as a second bind of a
// port would be (and as the simulator does). Any other failure reports
// WorkerStarted with Err saying what failed and leaves no process behind.
// Start returns once WorkerStarted was handed to done, or to the sink when
// done is nil (a driver passes its outcome lane: see realnet.Processes); any
// WorkerExited of the process follows it. Start may block for as long as
// the Command func does (it may download an artifact), so a driver calls it
// off its own goroutine.
func (r *Runner) Start(e core.StartWorker, done func(core.WorkerStarted)) {
	ev, p := r.start(e)
	if done != nil {
		done(ev)
	} else {
		r.sink(ev)
	}
	if p != nil {
		close(p.reported)
	}
}

func (r *Runner) start(e core.StartWorker) (core.WorkerStarted, *proc) {
	port := e.Spec.Port
	r.mu.Lock()
	defer r.mu.Unlock()
	var err error
	switch {
	case r.closed:
		err = ErrClosed
	case r.procs[port] != nil:
		return core.WorkerStarted{Op: e.Op, Port: port, Err: "port in use"}, nil
	case len(r.procs) >= PortsMax:
		err = fmt.Errorf("procs: %d workers running, at most %d", len(r.procs), PortsMax)
	}
	var p *proc
	if err == nil {
		p, err = r.launch(e.Spec)
	}
	if err != nil {
		r.log.Warn("procs: worker not started", "spec", e.Spec.String(), "err", err)
		return core.WorkerStarted{Op: e.Op, Port: port, Err: err.Error()}, nil
	}
	r.procs[port] = p
	r.log.Info("procs: worker started", "spec", e.Spec.String(), "pid", p.rec.PID)
	go r.wait(p)
	return core.WorkerStarted{Op: e.Op, Port: port}, p
}

// launch starts the worker process and records it. If the record cannot be
// written the process is killed: a worker the store does not know of would
// be invisible to the next runner. Called with mu.
func (r *Runner) launch(spec core.WorkerSpec) (*proc, error) {
	wrap := func(err error) error {
		return fmt.Errorf("procs: start worker on port %d: %w", spec.Port, err)
	}
	cmd, err := r.cfg.Command(spec)
	if err == nil && cmd == nil {
		err = errors.New("the Command func returned a nil *exec.Cmd")
	}
	if err != nil {
		return nil, wrap(fmt.Errorf("build command: %w", err))
	}
	logf, err := r.openLog(spec.Port)
	if err != nil {
		return nil, wrap(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid, cmd.SysProcAttr.Pgid = true, 0 // its own group: Stop kills it all
	err = cmd.Start()
	_ = logf.Close() // the child has its own descriptor; ours was only to pass it on
	if err != nil {
		return nil, wrap(err)
	}
	rec := record{Port: spec.Port, PID: cmd.Process.Pid, Topology: spec.Topology, Epoch: spec.Epoch,
		BootID: r.boot, Started: time.Now()}
	// The child is not reaped before cmd.Wait, so its stat is readable even
	// if it already ended.
	st, err := readStat(rec.PID)
	rec.StartTicks = st.startTicks
	if err == nil {
		err = r.store.Set(recordKey(spec.Port), rec.encode())
	}
	if err != nil {
		_ = syscall.Kill(-rec.PID, syscall.SIGKILL) // our child, not yet reaped: the group is ours
		_ = cmd.Wait()
		return nil, wrap(fmt.Errorf("record pid %d: %w", rec.PID, err))
	}
	return &proc{rec: rec, cmd: cmd, reported: make(chan struct{})}, nil
}

// openLog opens the port's log for appending, first moving a log larger than
// LogBytesMax aside.
func (r *Runner) openLog(port core.Port) (*os.File, error) {
	path := r.LogPath(port)
	if fi, err := os.Stat(path); err == nil && fi.Size() > LogBytesMax {
		if err := os.Rename(path, path+".1"); err != nil {
			return nil, fmt.Errorf("rotate log: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}

// wait is the goroutine that watches one child, from Start until the child
// ends (it outlives Close until then). It learns of the end at once, marks
// the process gone and deletes its record under mu while the zombie still
// holds the pid, then reaps it and reports WorkerExited after WorkerStarted.
func (r *Runner) wait(p *proc) {
	var waitErr error
	reaped := false
	if err := awaitExit(p.rec.PID); err != nil {
		// Not expected (the child is ours and unreaped); wait the usual way.
		r.log.Error("procs: wait for worker", "port", p.rec.Port, "pid", p.rec.PID, "err", err)
		waitErr, reaped = p.cmd.Wait(), true
	}
	r.mu.Lock()
	p.exited = true
	if p.kill != nil {
		p.kill.Stop()
	}
	closed, stopping := r.closed, p.stopping
	r.forget(p)
	r.mu.Unlock()

	if !reaped {
		waitErr = p.cmd.Wait()
	}
	reason := exitReason(p.cmd, waitErr, stopping)
	<-p.reported
	if closed {
		return
	}
	r.log.Info("procs: worker exited", "port", p.rec.Port, "pid", p.rec.PID, "reason", reason)
	r.sink(core.WorkerExited{Port: p.rec.Port, Topology: p.rec.Topology, Reason: reason})
}

// exitReason says how a child ended: "stopped" when Stop ended it, else
// "exited with code N" or "killed by signal N (name)".
func exitReason(cmd *exec.Cmd, waitErr error, stopping bool) string {
	if stopping {
		return "stopped"
	}
	st := cmd.ProcessState
	if st == nil {
		return fmt.Sprintf("ended, status unknown: %v", waitErr)
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	switch {
	case ok && ws.Signaled():
		return fmt.Sprintf("killed by signal %d (%s)", int(ws.Signal()), ws.Signal())
	case ok && ws.Exited():
		return fmt.Sprintf("exited with code %d", ws.ExitStatus())
	}
	return st.String()
}
