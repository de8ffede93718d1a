package core

import "fmt"

// WorkerSpec is what a supervisor starts: one worker process of a topology on
// one of its slots. Epoch is the assignment epoch the worker starts under.
type WorkerSpec struct {
	Topology   TopologyID
	Supervisor SupervisorID
	Port       Port
	Epoch      uint64
}

func (s WorkerSpec) String() string {
	return fmt.Sprintf("%s@%s:%d/e%d", s.Topology, s.Supervisor, s.Port, s.Epoch)
}

// StartWorker asks the driver to start a worker process on Spec.Port. The
// outcome returns as WorkerStarted with the same Op. A port already held by a
// live process is refused (as a second bind of a port would be).
type StartWorker struct {
	Op   OpID
	Spec WorkerSpec
}

// StopWorker asks the driver to kill whatever worker process holds Port, if
// any. Its end is reported by WorkerExited; if no process holds Port, no
// WorkerExited follows (the supervisor bounds its wait).
type StopWorker struct {
	Port Port
}

// Exit ends the machine's own process (a worker that is no longer assigned).
type Exit struct {
	Reason string
}

func (StartWorker) isEffect() {}
func (StopWorker) isEffect()  {}
func (Exit) isEffect()        {}

func (e StartWorker) String() string {
	return fmt.Sprintf("start-worker op=%d %s", e.Op, e.Spec)
}
func (e StopWorker) String() string { return fmt.Sprintf("stop-worker port=%d", e.Port) }
func (e Exit) String() string       { return fmt.Sprintf("exit reason=%q", e.Reason) }

// WorkerStarted reports the outcome of a StartWorker.
type WorkerStarted struct {
	Op   OpID
	Port Port
	Err  string // empty on success
}

// WorkerExited reports that the worker process on one of the supervisor's
// ports ended: it crashed, exited, or was stopped.
type WorkerExited struct {
	Port     Port
	Topology TopologyID
	Reason   string
}

func (WorkerStarted) isEvent() {}
func (WorkerExited) isEvent()  {}

func (e WorkerStarted) String() string {
	if e.Err == "" {
		return fmt.Sprintf("worker-started op=%d port=%d", e.Op, e.Port)
	}
	return fmt.Sprintf("worker-started op=%d port=%d err=%q", e.Op, e.Port, e.Err)
}
func (e WorkerExited) String() string {
	return fmt.Sprintf("worker-exited port=%d topology=%s reason=%q", e.Port, e.Topology, e.Reason)
}
