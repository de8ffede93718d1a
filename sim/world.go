package sim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/squall/squall/core"
)

// Config shapes a World. Zero fields take the defaults in withDefaults.
type Config struct {
	Seed  uint64
	Trace io.Writer // optional: receives one line per event
	Net   NetConfig
	ZK    ZKConfig
	// Observe, if set, sees every trace line as it is recorded (whether or
	// not Trace is set); replay pictures and fault-effect counters use it. It
	// must not act on the world: it changes neither the run nor its hash.
	Observe func(Record)
}

// Record is one trace line: virtual time, who, what, and detail.
type Record struct {
	At     core.Time
	Who    string
	What   string
	Detail string
}

// EventsMax bounds the events of one Run call, so that a machine that schedules
// without end cannot hang a test: the run stops with an error.
const EventsMax = 50_000_000

// World is the deterministic simulator kernel: one goroutine, one event queue
// ordered by (time, sequence), one virtual clock, one seeded generator from
// which every choice is drawn. A World is not safe for concurrent use.
type World struct {
	cfg   Config
	now   core.Time
	seq   uint64
	q     queue
	rng   *rand.Rand
	trace *trace
	nodes []*Node
	byID  map[core.NodeID]*Node
	net   *Network
	zk    *zkServer
	steps uint64 // events dispatched
	err   error  // first error met while dispatching; stops Run
	// closed is set by Close: the stores are gone, so the world must not
	// run again.
	closed bool

	workers    WorkerFactory
	workerTick time.Duration
	procFaults ProcessFaults
}

// New returns an empty world at virtual time zero.
func New(cfg Config) *World {
	cfg = cfg.withDefaults()
	w := &World{
		cfg:   cfg,
		rng:   rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		trace: newTrace(cfg.Trace, cfg.Observe),
		byID:  map[core.NodeID]*Node{},
	}
	w.net = newNetwork(w, cfg.Net)
	w.zk = newZKServer(w, cfg.ZK)
	return w
}

func (c Config) withDefaults() Config {
	c.Net = c.Net.withDefaults()
	c.ZK = c.ZK.withDefaults()
	return c
}

// Now is the current virtual time.
func (w *World) Now() core.Time { return w.now }

// Rand is the world's generator. Every random choice of a run must come from
// it (or from a generator seeded from it), in a deterministic order.
func (w *World) Rand() *rand.Rand { return w.rng }

// Events is the number of events dispatched so far.
func (w *World) Events() uint64 { return w.steps }

// TraceHash is the running hash of the trace so far.
func (w *World) TraceHash() uint64 { return w.trace.hash }

// ZKStats counts what the ensemble did to its clients: replies lost after
// the request was applied, and sessions expired.
func (w *World) ZKStats() (lostReplies, expirations uint64) {
	return w.zk.LostReplies, w.zk.Expirations
}

// Net is the simulated network.
func (w *World) Net() *Network { return w.net }

// Nodes returns the nodes in the order they were added.
func (w *World) Nodes() []*Node { return w.nodes }

func (w *World) schedule(at core.Time, k kind, node int32, inc uint32, p any) {
	// Tested before calling Assert, whose arguments would be boxed (two heap
	// allocations) on every call: schedule runs for nearly every event.
	if at < w.now {
		core.Assert(false, "scheduling %s in the past: %d < %d", k, at, w.now)
	}
	w.seq++
	w.q.push(item{at: at, seq: w.seq, kind: k, node: node, inc: inc, p: p})
}

// At runs fn at virtual time at (or now, if at is in the past is a bug: it
// asserts). Scenarios use it for fault schedules and checks.
func (w *World) At(at core.Time, what string, fn func()) {
	w.schedule(at, kindCall, -1, 0, &call{what: what, fn: fn})
}

// After runs fn d after now.
func (w *World) After(d time.Duration, what string, fn func()) {
	w.At(w.now.Add(d), what, fn)
}

type call struct {
	what string
	fn   func()
}

// Fail records err as the run's error and stops Run at the current event.
// Invariant checkers call it; the first error wins.
func (w *World) Fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// RunUntil dispatches events in order until virtual time reaches until, the
// queue is empty, or an error is recorded. The clock ends at until.
func (w *World) RunUntil(until core.Time) error {
	core.Assert(!w.closed, "sim: the world runs after Close")
	var n uint64
	for w.q.len() > 0 && w.q.peekTime() <= until && w.err == nil {
		it := w.q.pop()
		w.now = it.at
		w.steps++
		w.dispatch(&it)
		n++
		if n >= EventsMax {
			return fmt.Errorf("sim: run exceeded %d events at %s", uint64(EventsMax), w.now)
		}
	}
	if w.err == nil && until > w.now {
		w.now = until
	}
	if err := w.trace.flush(); err != nil && w.err == nil {
		w.err = fmt.Errorf("sim: writing trace: %w", err)
	}
	return w.err
}

// RunFor runs d of virtual time from now.
func (w *World) RunFor(d time.Duration) error { return w.RunUntil(w.now.Add(d)) }

func (w *World) dispatch(it *item) {
	switch it.kind {
	case kindTick:
		w.nodes[it.node].onTick(it.inc)
	case kindDeliver:
		w.net.deliver(it.p.(*message))
	case kindMachine:
		w.nodes[it.node].onMachineEvent(it.inc, it.p.(core.Event))
	case kindZKClient:
		n := w.nodes[it.node]
		w.trace.record(w.now, string(n.cfg.ID), "zk-client-timer", "")
		if n.live(it.inc) && n.zk != nil {
			n.zk.onTimer(it.inc, it.p.(uint64))
		}
	case kindZKServer:
		w.trace.record(w.now, "zk", "server-tick", "")
		w.zk.onTimer()
	case kindCall:
		c := it.p.(*call)
		w.trace.record(w.now, "world", "call", c.what)
		c.fn()
	case kindResume:
		w.nodes[it.node].onResume(it.inc)
	case kindStartDone:
		w.nodes[it.node].onStartDone(it.inc, it.p.(*pendingStart))
	default:
		core.Assert(false, "unknown item kind %d", it.kind)
	}
}
