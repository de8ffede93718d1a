package sim

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/dispatch"
	"github.com/squall/squall/storage"
)

// NodeConfig describes one simulated process.
type NodeConfig struct {
	ID core.NodeID
	// New builds the node's machine at first start and at every restart (a
	// restart loses all in-memory state). rng is seeded from the world's.
	New func(rng *rand.Rand) core.Machine
	// Tick is the machine's tick period; default DefaultTick.
	Tick time.Duration
	// ZK gives the node a ZooKeeper client whose session state and results
	// reach the machine as events.
	ZK bool
	// Disk gives the node a crashable disk with a Pebble store on which its
	// Persist effects run; the disk outlives crashes, losing unsynced writes.
	Disk bool
}

// DefaultTick is the tick period of a node that does not set one.
const DefaultTick = 100 * time.Millisecond

// heldMax bounds the events held for a paused node; past it, further
// deliveries are dropped (as a full socket buffer would) and counted.
const heldMax = 1 << 14

// Node is a simulated process hosting one machine. It can crash (losing its
// machine's memory), restart, pause (alive but silent, like a long GC pause)
// and run on a drifting clock.
type Node struct {
	w   *World
	idx int32
	ep  Endpoint
	cfg NodeConfig

	m        core.Machine
	up       bool
	inc      uint32 // incarnation: bumped by crash and restart; stale items are dropped
	stepping bool   // reentrancy guard for deliver

	paused     bool
	held       []func()
	tickMissed bool
	heldDrops  uint64

	// Local clock: local(t) = anchorLocal + (t - anchorGlobal) * rate.
	rate         float64
	anchorGlobal core.Time
	anchorLocal  core.Time
	lastLocal    core.Time

	zk *zkClient

	// starts sequences the process effects of a supervisor per port while
	// a start takes its drawn latency (see ProcessFaults).
	starts dispatch.Ports

	// Worker processes: the supervisor that started it and its spec.
	parent *Node
	spec   core.WorkerSpec
	exit   string // why the process last ended, told to its parent

	disk     *storage.Disk
	store    *storage.Store
	storeErr error
}

// AddNode adds a process and starts it now.
func (w *World) AddNode(cfg NodeConfig) *Node {
	core.Assert(cfg.ID != "" && cfg.New != nil, "node config needs an ID and a New")
	if cfg.Tick == 0 {
		cfg.Tick = DefaultTick
	}
	n := &Node{w: w, idx: int32(len(w.nodes)), cfg: cfg, rate: 1}
	core.Assert(w.byID[cfg.ID] == nil, "node %s added twice", cfg.ID)
	n.ep = w.net.addEndpoint(string(cfg.ID), n.onNetMessage)
	w.byID[cfg.ID] = n
	if cfg.Disk {
		n.disk = storage.NewDisk()
	}
	w.nodes = append(w.nodes, n)
	n.start()
	return n
}

// ID is the node's name.
func (n *Node) ID() core.NodeID { return n.cfg.ID }

// Endpoint is the node's network address.
func (n *Node) Endpoint() Endpoint { return n.ep }

// Machine is the running machine, nil while the node is down.
func (n *Node) Machine() core.Machine { return n.m }

// Up reports whether the process runs (paused counts as up).
func (n *Node) Up() bool { return n.up }

// Paused reports whether the process is paused.
func (n *Node) Paused() bool { return n.paused }

// Session is the node's current ZooKeeper session id, or 0.
func (n *Node) Session() core.SessionID {
	if n.zk == nil {
		return 0
	}
	return n.zk.session
}

func (n *Node) start() {
	n.up = true
	n.inc++
	if n.disk != nil {
		n.openStore()
	}
	seed1, seed2 := n.w.rng.Uint64(), n.w.rng.Uint64()
	n.m = n.cfg.New(rand.New(rand.NewPCG(seed1, seed2)))
	n.w.trace.record(n.w.now, string(n.cfg.ID), "start", "")
	if n.disk != nil {
		n.restore()
	}
	// A random phase keeps nodes' ticks from running in lockstep.
	phase := time.Duration(n.w.rng.Int64N(int64(n.cfg.Tick))) + 1
	n.w.schedule(n.w.now.Add(n.toGlobal(phase)), kindTick, n.idx, n.inc, nil)
	if n.cfg.ZK {
		n.zk = newZKClient(n)
		n.zk.connect()
	}
}

// Crash stops the process at once: its memory is lost, its connections die
// (the OS closes its sockets), nothing held is delivered. ZooKeeper keeps its
// session until the server expires it.
func (w *World) Crash(n *Node) {
	if !n.up {
		return
	}
	w.trace.record(w.now, string(n.cfg.ID), "crash", "")
	n.up, n.paused, n.m, n.held, n.tickMissed = false, false, nil, nil, false
	n.inc++
	if n.zk != nil {
		n.zk.close()
		n.zk = nil
	}
	if n.disk != nil {
		n.crashDisk()
	}
	n.starts.Forget() // starts under way die with the process, outcomes and all
	w.net.closeEndpointConns(n.ep)
	n.reportExit()
}

// Restart starts a crashed process with a fresh machine.
func (w *World) Restart(n *Node) {
	if n.up {
		return
	}
	n.start()
}

// Pause makes a running process silent for d: nothing it would receive or
// time out on is processed until it resumes, then everything held is
// processed in order, as after a long garbage-collection pause.
func (w *World) Pause(n *Node, d time.Duration) {
	if !n.up || n.paused {
		return
	}
	w.trace.record(w.now, string(n.cfg.ID), "pause", d.String())
	n.paused = true
	w.schedule(w.now.Add(d), kindResume, n.idx, n.inc, nil)
}

// SetClockRate makes the node's clock run at rate times real time from now
// on (1 is exact; 1.05 runs 5% fast). Its local time stays monotonic.
func (w *World) SetClockRate(n *Node, rate float64) {
	core.Assert(rate > 0.1 && rate < 10, "clock rate %v out of range", rate)
	n.anchorLocal = n.localNow()
	n.anchorGlobal = w.now
	n.rate = rate
	w.trace.record(w.now, string(n.cfg.ID), "clock-rate", formatRate(rate))
}

func formatRate(r float64) string {
	return strconv.FormatInt(int64(math.Round((r-1)*1e6)), 10) + "ppm"
}

// localNow is the node's clock reading, which may drift from virtual time.
func (n *Node) localNow() core.Time {
	l := n.anchorLocal + core.Time(float64(n.w.now-n.anchorGlobal)*n.rate)
	if l < n.lastLocal {
		l = n.lastLocal
	}
	n.lastLocal = l
	return l
}

// toGlobal converts a duration on the node's clock to virtual time.
func (n *Node) toGlobal(d time.Duration) time.Duration {
	if n.rate == 1 {
		return d
	}
	return time.Duration(float64(d) / n.rate)
}

func (n *Node) live(inc uint32) bool { return n.up && inc == n.inc }

func (n *Node) onTick(inc uint32) {
	if !n.live(inc) {
		return
	}
	if n.paused {
		n.tickMissed = true
		return
	}
	n.deliver(core.Tick{})
	n.w.schedule(n.w.now.Add(n.toGlobal(n.cfg.Tick)), kindTick, n.idx, n.inc, nil)
}

func (n *Node) onMachineEvent(inc uint32, ev core.Event) {
	if !n.live(inc) {
		return
	}
	if n.paused { // tested here so that a running node builds no closure
		n.hold(func() { n.deliver(ev) })
		return
	}
	n.deliver(ev)
}

// hold keeps fn for the resume; the node must be paused.
func (n *Node) hold(fn func()) {
	core.Assert(n.paused, "holding an event for %s, which is not paused", n.cfg.ID)
	if len(n.held) >= heldMax {
		n.heldDrops++
		return
	}
	n.held = append(n.held, fn)
}

func (n *Node) onResume(inc uint32) {
	if !n.live(inc) || !n.paused {
		return
	}
	n.w.trace.record(n.w.now, string(n.cfg.ID), "resume", "")
	n.paused = false
	held := n.held
	n.held = nil
	for _, fn := range held {
		if !n.up || n.paused {
			return
		}
		fn()
	}
	if n.tickMissed && n.up {
		n.tickMissed = false
		n.onTick(n.inc)
	}
}

// deliverLater queues ev for the machine at the current instant, after the
// event being processed; used where delivering at once would reenter Step.
func (n *Node) deliverLater(ev core.Event) {
	n.w.schedule(n.w.now, kindMachine, n.idx, n.inc, ev)
}

// deliver steps the machine with ev and executes the effects it produces.
func (n *Node) deliver(ev core.Event) {
	// Tested before calling Assert, whose arguments would be boxed (two heap
	// allocations) on every call: deliver runs for nearly every event.
	if !n.up || n.paused || n.stepping {
		core.Assert(n.up && !n.paused, "deliver to %s while down or paused", n.cfg.ID)
		core.Assert(!n.stepping, "reentrant deliver to %s", n.cfg.ID)
	}
	n.w.trace.recordEvent(n.w.now, string(n.cfg.ID), ev)
	n.stepping = true
	n.m.Step(n.localNow(), ev)
	effs := n.m.Ready()
	n.stepping = false
	dispatch.Execute((*nodeExec)(n), effs)
}

// nodeExec is the node as the shared dispatcher sees it: the executors of
// its machine's effects in the simulated world.
type nodeExec Node

func (x *nodeExec) node() *Node { return (*Node)(x) }

// Live: a crash (or an Exit) drops the rest of the effects.
func (x *nodeExec) Live() bool { return x.up }

// Begin traces every effect, Log included: the trace is the simulated
// cluster's log, and its hash covers the decisions too.
func (x *nodeExec) Begin(e core.Effect) {
	x.w.trace.recordEffect(x.w.now, string(x.cfg.ID), "effect", e)
}

func (x *nodeExec) Coord(e core.Coord) {
	core.Assert(x.zk != nil, "%s has no ZooKeeper client for %s", x.cfg.ID, e)
	x.zk.submit(e)
}

func (x *nodeExec) Send(e core.Send) { x.w.net.sendFrom(x.node(), e) }

func (x *nodeExec) Persist(e core.Persist) {
	core.Assert(x.disk != nil, "%s has no disk for %s", x.cfg.ID, e)
	x.node().persist(e)
}

func (x *nodeExec) StartWorker(e core.StartWorker) { x.node().startWorker(e) }
func (x *nodeExec) StopWorker(e core.StopWorker)   { x.node().stopWorker(e) }
func (x *nodeExec) Exit(e core.Exit)               { x.node().exitSelf(e) }
func (x *nodeExec) Log(core.Log)                   {} // traced by Begin
