package sim

import (
	"math/rand/v2"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/dispatch"
	"github.com/squall/squall/core/protocol"
)

// WorkerFactory builds the machine of a worker process a supervisor starts.
type WorkerFactory func(spec core.WorkerSpec, supervisor core.NodeID, rng *rand.Rand) core.Machine

// SetWorkerFactory sets how StartWorker effects build worker machines.
func (w *World) SetWorkerFactory(f WorkerFactory) { w.workers = f }

// SetWorkerTick sets the tick period of worker processes started from now
// on (default DefaultTick): a worker executes tuples on every tick.
func (w *World) SetWorkerTick(d time.Duration) { w.workerTick = d }

// WorkerProcess returns the worker process node on a supervisor's port, nil
// if none was ever started there.
func (w *World) WorkerProcess(sup core.SupervisorID, port core.Port) *Node {
	return w.byID[protocol.WorkerNode(sup, port)]
}

// ProcessFaults shapes the simulated worker starts as the real ones behave:
// a real start may download the topology's artifact and fork a process,
// which takes time and can fail. The zero value (the default) makes starts
// instant and infallible, and draws nothing.
type ProcessFaults struct {
	// StartLatencyMax: each start takes a latency drawn uniformly from
	// [0, StartLatencyMax), during which its supervisor keeps running and
	// later process effects on the port wait (see core/dispatch).
	StartLatencyMax time.Duration
	// FetchFailure is the probability that a start fails to fetch its
	// artifact: it reports WorkerStarted with Err and starts nothing.
	FetchFailure float64
}

// Bounds of ProcessFaults.
const startLatencyMax = time.Minute

// ErrFetchFailed is the Err of a WorkerStarted whose artifact fetch failed.
const ErrFetchFailed = "sim: artifact fetch failed"

// SetProcessFaults sets how starts behave from now on; starts under way
// keep what they drew.
func (w *World) SetProcessFaults(f ProcessFaults) {
	core.Assert(f.StartLatencyMax >= 0 && f.StartLatencyMax <= startLatencyMax,
		"sim: start latency %v outside [0, %v]", f.StartLatencyMax, startLatencyMax)
	core.Assert(f.FetchFailure >= 0 && f.FetchFailure <= 1, "sim: fetch failure %v not a probability", f.FetchFailure)
	w.procFaults = f
}

// pendingStart is a start taking its latency.
type pendingStart struct {
	e         core.StartWorker
	fetchFail bool
}

// startWorker executes a supervisor's StartWorker through the per-port
// sequencer shared with the real driver: a start on a port whose start is
// under way waits for it (a refusal past the bound is its outcome).
func (n *Node) startWorker(e core.StartWorker) {
	switch n.starts.Admit(e) {
	case dispatch.Run:
		n.beginStart(e)
	case dispatch.Refused:
		n.deliverLater(core.WorkerStarted{Op: e.Op, Port: e.Spec.Port, Err: "sim: too many effects held on the port"})
	}
}

// beginStart draws the start's latency and fate; an instant start (no
// faults set) ends at once, as it always did.
func (n *Node) beginStart(e core.StartWorker) {
	f := n.w.procFaults
	var ps pendingStart
	ps.e = e
	if f.FetchFailure > 0 {
		ps.fetchFail = n.w.rng.Float64() < f.FetchFailure
	}
	if f.StartLatencyMax <= 0 {
		n.endStart(ps)
		return
	}
	latency := time.Duration(n.w.rng.Int64N(int64(f.StartLatencyMax)))
	n.w.trace.record(n.w.now, string(n.cfg.ID), "start-begun", e.String()+" latency="+latency.String())
	n.w.schedule(n.w.now.Add(latency), kindStartDone, n.idx, n.inc, &ps)
}

// onStartDone: a start's latency passed. A crashed supervisor's start died
// with it; a paused one's completes when it resumes.
func (n *Node) onStartDone(inc uint32, ps *pendingStart) {
	if !n.live(inc) {
		return
	}
	if n.paused {
		n.hold(func() { n.endStart(*ps) })
		return
	}
	n.endStart(*ps)
}

// endStart ends a start, then runs what waited behind it on its port.
func (n *Node) endStart(ps pendingStart) {
	if ps.fetchFail {
		n.w.trace.record(n.w.now, string(n.cfg.ID), "fetch-failed", ps.e.String())
		n.deliverLater(core.WorkerStarted{Op: ps.e.Op, Port: ps.e.Spec.Port, Err: ErrFetchFailed})
	} else {
		n.launchWorker(ps.e)
	}
	for _, next := range n.starts.Done(ps.e.Spec.Port) {
		switch next := next.(type) {
		case core.StopWorker:
			n.killWorker(next)
		case core.StartWorker:
			n.beginStart(next)
		}
	}
}

// launchWorker starts the worker process of e. A port held by a live
// process is refused, as a second bind of a port would be.
func (n *Node) launchWorker(e core.StartWorker) {
	w := n.w
	core.Assert(w.workers != nil, "%s: StartWorker without a worker factory", n.cfg.ID)
	id := protocol.WorkerNode(e.Spec.Supervisor, e.Spec.Port)
	p := w.byID[id]
	if p != nil && p.up {
		n.deliverLater(core.WorkerStarted{Op: e.Op, Port: e.Spec.Port, Err: "port in use"})
		return
	}
	spec, sup := e.Spec, n.cfg.ID
	build := func(rng *rand.Rand) core.Machine { return w.workers(spec, sup, rng) }
	if p == nil {
		// Workers have disks: their metric windows outlive a crash.
		p = w.AddNode(NodeConfig{ID: id, New: build, Tick: w.workerTick, Disk: true})
	} else {
		p.cfg.New = build
		p.start()
	}
	p.parent, p.spec, p.exit = n, spec, ""
	n.deliverLater(core.WorkerStarted{Op: e.Op, Port: spec.Port})
}

// stopWorker executes a supervisor's StopWorker, after the start under way
// on its port if there is one.
func (n *Node) stopWorker(e core.StopWorker) {
	switch n.starts.Admit(e) {
	case dispatch.Run:
		n.killWorker(e)
	case dispatch.Refused:
		n.w.trace.record(n.w.now, string(n.cfg.ID), "stop-dropped", e.String())
	}
}

// killWorker kills the process on the port.
func (n *Node) killWorker(e core.StopWorker) {
	id := protocol.WorkerNode(core.SupervisorID(n.cfg.ID), e.Port)
	if p := n.w.byID[id]; p != nil && p.up {
		p.exit = "stopped"
		n.w.Crash(p)
	}
}

// exitSelf executes a machine's Exit: its process ends.
func (n *Node) exitSelf(e core.Exit) {
	n.exit = "exited: " + e.Reason
	n.w.Crash(n)
}

// reportExit tells a worker's supervisor that the worker ended, if the
// supervisor runs (a restarted supervisor learns of orphans by heartbeats).
func (n *Node) reportExit() {
	if n.parent == nil || !n.parent.up {
		return
	}
	reason := n.exit
	if reason == "" {
		reason = "crashed"
	}
	n.parent.deliverLater(core.WorkerExited{Port: n.spec.Port, Topology: n.spec.Topology, Reason: reason})
}

// Workers returns the live worker processes, in the order they were created.
func (w *World) Workers() []*Node {
	var out []*Node
	for _, n := range w.nodes {
		if n.parent != nil && n.up {
			out = append(out, n)
		}
	}
	return out
}

// Spec is a worker process's spec (zero for other nodes).
func (n *Node) Spec() core.WorkerSpec { return n.spec }
