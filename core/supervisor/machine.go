package supervisor

import (
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

type opKind uint8

const (
	opEnsure         opKind = iota + 1 // parent creation; NodeExists is fine
	opRegister                         // create our ephemeral node
	opRegisterCheck                    // read our node's owner after NodeExists or ConnectionLoss
	opRegisterDelete                   // delete a node of an earlier session
	opRegisterWatch                    // exists(own node, watch)
	opLeaderExists                     // exists(leader, watch)
	opLeaderGet                        // get(leader)
	opAssignChildren                   // children(assignments, watch)
	opAssignGet                        // get(assignment, watch)
	opRecordWrite                      // persist a launched-worker record
	opRecordDelete                     // persist the deletion of one
	opStart                            // StartWorker
)

// coord reports whether the kind is a coordination request.
func (k opKind) coord() bool { return k >= opEnsure && k <= opAssignGet }

// opInfo is what the machine remembers of an outstanding operation.
type opInfo struct {
	kind  opKind
	epoch uint64 // session epoch when issued (coordination ops)
	round uint64 // assignment round (assignment reads)
	path  string // assignment reads
	port  core.Port
}

// Machine is one supervisor: a pure machine (see the package doc).
type Machine struct {
	cfg        Config
	selfPath   string // our ephemeral registration
	leaderPath string
	info       []byte // our encoded SupervisorInfo

	now     core.Time
	stepped bool // false until the first Step
	nextOp  core.OpID
	ops     map[core.OpID]opInfo
	out     []core.Effect
	stats   Stats
	// lastCorrupt names the newest corrupt input and why, for the driver's
	// log: the machine does no I/O, and a count alone says nothing of what.
	lastCorrupt string

	// Session and registration.
	session          core.SessionID // 0: none
	epoch            uint64         // bumped by every session change; stale results are ignored
	registered       bool
	registering      bool
	registerAttempts int
	registerAt       core.Time // no registration attempt before this

	// Assignments: the last complete read, and the round under way.
	synced      bool // a round has completed: desired is known
	assignments map[core.TopologyID]protocol.Assignment
	desired     map[core.Port]want
	round       round
	roundSeq    uint64
	syncAt      core.Time

	// Nimbus leader and heartbeats to it.
	leader      core.NodeID
	heartbeatAt core.Time

	slots map[core.Port]*slot
}

// New returns a supervisor waiting for its first events: Restored (its
// launched-worker records) and a ZooKeeper session.
func New(cfg Config) *Machine {
	cfg = cfg.withDefaults()
	cfg.check()
	m := &Machine{
		cfg:        cfg,
		selfPath:   cfg.Layout.Supervisor(cfg.ID),
		leaderPath: cfg.Layout.Base() + "/nimbus/leader",
		info: protocol.Encode(protocol.SupervisorInfo{ID: cfg.ID, Host: cfg.Host, Address: cfg.Address,
			Slots: cfg.Slots, Capacity: cfg.Capacity}),
		ops:         map[core.OpID]opInfo{},
		assignments: map[core.TopologyID]protocol.Assignment{},
		desired:     map[core.Port]want{},
		slots:       map[core.Port]*slot{},
	}
	for _, p := range cfg.Slots {
		m.slots[p] = &slot{port: p, state: slotUnknown}
	}
	return m
}

// Ready drains the effects produced since the last call. The driver runs
// them in order; a Persist is durable before the StartWorker after it.
func (m *Machine) Ready() []core.Effect {
	out := m.out
	m.out = nil
	return out
}

// Step consumes one event.
func (m *Machine) Step(now core.Time, ev core.Event) {
	core.Assert(now >= m.now, "supervisor %s: time went backwards: %s < %s", m.cfg.ID, now, m.now)
	m.now = now
	if !m.stepped {
		m.stepped = true
		for _, s := range m.slots {
			s.since = now // an orphan has WorkerStartTimeout from now to heartbeat
		}
	}
	switch ev := ev.(type) {
	case core.Tick:
		m.onTick()
	case core.SessionChanged:
		m.onSession(ev)
	case core.CoordResult:
		m.onCoordResult(ev)
	case core.WatchFired:
		m.onWatch(ev)
	case core.Recv:
		m.onRecv(ev)
	case core.Persisted:
		m.onPersisted(ev)
	case core.WorkerStarted:
		m.onWorkerStarted(ev)
	case core.WorkerExited:
		m.onWorkerExited(ev)
	case core.Restored:
		m.onRestored(ev)
	}
	m.reconcile()
}

func (m *Machine) onTick() {
	if m.session != 0 {
		if !m.registered && !m.registering && m.now >= m.registerAt {
			m.register()
		}
		if m.round.id == 0 && m.now >= m.syncAt {
			m.readLeader()
			m.sync()
		}
	}
	if m.leader != "" && m.now >= m.heartbeatAt {
		m.heartbeat()
	}
}

// heartbeat tells the nimbus leader what runs here. Without a known leader
// nothing is sent, and nothing else changes: workers keep running.
func (m *Machine) heartbeat() {
	m.heartbeatAt = m.now.Add(m.cfg.HeartbeatPeriod)
	m.stats.Heartbeats++
	m.out = append(m.out, core.Send{To: m.leader, Payload: protocol.EncodeMessage(
		protocol.SupervisorHeartbeat{Supervisor: m.cfg.ID, Workers: m.Running()})})
}

// issue emits a coordination request and remembers it.
func (m *Machine) issue(info opInfo, req core.Request) {
	info.epoch = m.epoch
	op := m.newOp(info)
	m.out = append(m.out, core.Coord{Op: op, Req: req})
}

func (m *Machine) newOp(info opInfo) core.OpID {
	core.Assert(len(m.ops) < opsMax, "supervisor %s: more than %d operations outstanding", m.cfg.ID, opsMax)
	m.nextOp++
	m.ops[m.nextOp] = info
	return m.nextOp
}

// take removes and returns an outstanding operation of the given kinds.
func (m *Machine) take(op core.OpID, kinds ...opKind) (opInfo, bool) {
	info, ok := m.ops[op]
	if !ok || !slices.Contains(kinds, info.kind) {
		return opInfo{}, false
	}
	delete(m.ops, op)
	return info, true
}

// Running lists the workers this supervisor runs (started or adopted), sorted
// by port; Alive says whether each heartbeated within WorkerTimeout.
func (m *Machine) Running() []protocol.WorkerStatus {
	var out []protocol.WorkerStatus
	for _, p := range m.cfg.Slots {
		s := m.slots[p]
		if s.state != slotRunning {
			continue
		}
		out = append(out, protocol.WorkerStatus{Topology: s.topology, Port: p, Epoch: s.epoch,
			Alive: s.heartbeated && m.now.Sub(s.lastHeartbeat) <= m.cfg.WorkerTimeout, Metrics: s.metrics,
			Errors: s.errors})
	}
	return out
}

// Registered reports whether the supervisor believes its ephemeral node
// exists on its current session.
func (m *Machine) Registered() bool { return m.registered }

// Session is the ZooKeeper session the machine works on (0: none).
func (m *Machine) Session() core.SessionID { return m.session }

// Leader is the nimbus leader heartbeats go to ("" when unknown).
func (m *Machine) Leader() core.NodeID { return m.leader }

// Synced reports whether the assignments have been read at least once.
func (m *Machine) Synced() bool { return m.synced }

// Stats returns the supervisor's counters.
func (m *Machine) Stats() Stats { return m.stats }

// LastCorrupt names the newest corrupt assignment or launch record, and why
// it was refused ("" when none was). A driver that sees a Corrupt* counter
// of Stats grow logs it.
func (m *Machine) LastCorrupt() string { return m.lastCorrupt }

// Config returns the configuration with defaults applied.
func (m *Machine) Config() Config { return m.cfg }
