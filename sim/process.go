package sim

import (
	"math/rand/v2"
	"time"

	"github.com/squall/squall/core"
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

// startWorker executes a supervisor's StartWorker. A port held by a live
// process is refused, as a second bind of a port would be.
func (n *Node) startWorker(e core.StartWorker) {
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

// stopWorker executes a supervisor's StopWorker: kill the process on the port.
func (n *Node) stopWorker(e core.StopWorker) {
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
