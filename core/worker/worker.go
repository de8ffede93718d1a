package worker

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// Config configures one worker process.
type Config struct {
	Spec       core.WorkerSpec // what it was started as
	Supervisor core.NodeID     // where it heartbeats to
	// HeartbeatPeriod is the period of heartbeats to the supervisor; default 1s.
	HeartbeatPeriod time.Duration
	// Topology, when set, makes the worker run its tasks (the data plane);
	// nil runs the control half only.
	Topology *topology.Topology
	// Rand seeds the tasks' generators; required with Topology.
	Rand *rand.Rand
	// Plane builds the data plane of each assignment; nil runs every task
	// in one task.Executor stepped by the machine (NewSinglePlane).
	Plane PlaneFactory
	// StepBudget bounds the tuples executed per tick; default 4096.
	StepBudget int
	// Services are passed to the executor and so to every task's Context
	// (see task.ExecutorConfig).
	Services map[string]any
	// Clock and UnitTime time sampled tuples, for the latencies and
	// capacity (see task.ExecutorConfig): a real driver passes its
	// monotonic clock; the simulator a cost model, the virtual time one
	// budget unit stands for.
	Clock    func() core.Time
	UnitTime time.Duration
	// TestOnlyAckAtInit is passed to the executor (see task.ExecutorConfig).
	TestOnlyAckAtInit bool
	// TestOnlyIgnoreStatus runs the spouts whatever the topology status
	// (still recorded and reported by Status), so tests can show the
	// scenarios' checks catching spouts that emit while INACTIVE.
	TestOnlyIgnoreStatus bool
	// TestOnlyNoMetricsRestore drops persisted metric windows at start, so
	// tests can show the metrics checker catching lost counters.
	TestOnlyNoMetricsRestore bool
}

// tasksMax bounds the tasks one assignment may give a worker; a larger one
// is refused as a bad message.
const tasksMax = 1 << 16

// Stats count what a worker refused, for checkers.
type Stats struct {
	Assignments int // assignments taken
	Stale       int // assignments older than the one held, ignored
	BadMessages int // undecodable, unexpected, or from someone not its supervisor
	DataErrors  int // tuple batches that could not be encoded or decoded, or tasks that would not start
}

// Machine is one worker's control logic.
type Machine struct {
	cfg         Config
	now         core.Time
	started     bool
	heartbeatAt core.Time
	assigned    bool // an assignment was taken
	epoch       uint64
	tasks       []core.TaskID
	status      string // the topology status of the assignment held
	exited      bool
	out         []core.Effect
	stats       Stats

	rng       *rand.Rand
	dp        *dataplane
	dpTasks   []core.TaskID
	dpWorkers []protocol.WorkerAssignment
	// incarnation is the assignment's (see protocol.Assignment), from the
	// first WorkerAssign: this process runs that submission only.
	incarnation int64
	restored    map[string][]byte // metric windows to load into tasks, by restoredKey
	foreign     [][]byte          // store keys of windows not to load: deleted at the first assignment
	ops         core.OpSeq
	persistAt   core.Time
	// carriedErrors are the newest errors of replaced planes (see
	// carryErrors), at most protocol.HeartbeatErrorsMax.
	carriedErrors []task.Error
}

// New returns a worker that heartbeats on its first event.
func New(cfg Config) *Machine {
	if cfg.HeartbeatPeriod == 0 {
		cfg.HeartbeatPeriod = time.Second
	}
	core.Assert(cfg.Spec.Topology != "" && cfg.Supervisor != "", "worker needs a topology and a supervisor: %+v", cfg)
	core.Assert(cfg.HeartbeatPeriod > 0, "worker %s: heartbeat period %s", cfg.Spec, cfg.HeartbeatPeriod)
	if cfg.StepBudget == 0 {
		cfg.StepBudget = stepBudgetDefault
	}
	core.Assert(cfg.Topology == nil || cfg.Rand != nil, "worker %s: a topology needs a generator", cfg.Spec)
	return &Machine{cfg: cfg, rng: cfg.Rand, restored: map[string][]byte{}}
}

// Ready drains the effects produced since the last call.
func (m *Machine) Ready() []core.Effect {
	out := m.out
	m.out = nil
	return out
}

// Step consumes one event. After Exit the machine does nothing.
func (m *Machine) Step(now core.Time, ev core.Event) {
	if now < m.now { // not core.Assert's arguments on every step: they would be boxed
		core.Assert(false, "worker %s: time went backwards: %s < %s", m.cfg.Spec, now, m.now)
	}
	m.now = now
	if m.exited {
		return
	}
	if !m.started {
		m.started = true
		m.heartbeat()
	}
	switch ev := ev.(type) {
	case core.Restored:
		m.onRestored(ev)
	case core.Tick:
		if m.now >= m.heartbeatAt {
			m.heartbeat()
		}
		m.runDataplane()
		m.persistMetrics()
	case core.Recv:
		m.onRecv(ev)
	}
}

func (m *Machine) heartbeat() {
	m.heartbeatAt = m.now.Add(m.cfg.HeartbeatPeriod)
	m.out = append(m.out, core.Send{To: m.cfg.Supervisor, Payload: protocol.EncodeMessage(
		protocol.WorkerHeartbeat{Topology: m.cfg.Spec.Topology, Port: m.cfg.Spec.Port, Epoch: m.epoch,
			Metrics: m.taskMetrics(), Errors: m.taskErrors()})})
}

func (m *Machine) onRecv(ev core.Recv) {
	if len(ev.Payload) > 0 && (ev.Payload[0] == dataMagic || ev.Payload[0] == helloMagic || ev.Payload[0] == pressureMagic) {
		m.onData(ev.From, ev.Payload)
		return
	}
	if ev.From != m.cfg.Supervisor {
		m.stats.BadMessages++
		return
	}
	msg, err := protocol.DecodeMessage(ev.Payload)
	if err != nil {
		m.stats.BadMessages++
		return
	}
	a, ok := msg.(protocol.WorkerAssign)
	if !ok || len(a.Tasks) > tasksMax {
		m.stats.BadMessages++
		return
	}
	m.onAssign(a)
}

func (m *Machine) onAssign(a protocol.WorkerAssign) {
	switch {
	case a.Topology != m.cfg.Spec.Topology || a.Port != m.cfg.Spec.Port:
		m.exit(fmt.Sprintf("assigned %s:%d, not %s:%d", a.Topology, a.Port, m.cfg.Spec.Topology, m.cfg.Spec.Port))
	case !a.Assigned:
		m.exit("unassigned")
	case m.assigned && a.Incarnation != m.incarnation:
		// The topology was killed and submitted again under its name: this
		// process runs the old one's code and counters. Its supervisor
		// starts a fresh worker.
		m.exit(fmt.Sprintf("assigned incarnation %d of %s, not %d", a.Incarnation, a.Topology, m.incarnation))
	case a.Epoch < m.cfg.Spec.Epoch || (m.assigned && a.Epoch < m.epoch):
		m.stats.Stale++
	default:
		m.stats.Assignments++
		if !m.assigned {
			m.incarnation = a.Incarnation
			m.dropForeignMetrics()
		}
		m.assigned, m.epoch, m.status = true, a.Epoch, a.Status
		m.tasks = slices.Sorted(slices.Values(a.Tasks))
		m.buildDataplane(a)
	}
}

func (m *Machine) exit(reason string) {
	m.exited = true
	m.closeDataplane()
	m.out = append(m.out, core.Exit{Reason: reason})
}

// Topology is the topology the worker was started for.
func (m *Machine) Topology() core.TopologyID { return m.cfg.Spec.Topology }

// Tasks returns the tasks of the assignment held, sorted.
func (m *Machine) Tasks() []core.TaskID { return slices.Clone(m.tasks) }

// Epoch is the epoch of the assignment held; 0 before the first.
func (m *Machine) Epoch() uint64 { return m.epoch }

// Status is the topology status of the assignment held ("" before the
// first, or from a supervisor that sends none: see protocol.SpoutsActive).
func (m *Machine) Status() string { return m.status }

// SpoutsActive reports whether the worker runs its spouts: its topology is
// ACTIVE and every peer has spoken (see dataplane.heard).
func (m *Machine) SpoutsActive() bool { return m.dp != nil && m.spoutsOn() }

// Exited reports whether the worker emitted its Exit.
func (m *Machine) Exited() bool { return m.exited }

// Stats returns the worker's counters.
func (m *Machine) Stats() Stats { return m.stats }
