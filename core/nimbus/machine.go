package nimbus

import (
	"strconv"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

// Config configures one nimbus.
type Config struct {
	ID       core.NodeID
	Priority int
	Layout   protocol.Layout
	// MonitorPeriod is how often the leader checks deadlines and worker
	// health (nimbus.monitor.freq.secs); default 1s.
	MonitorPeriod time.Duration
	// SupervisorGrace is how long a supervisor whose ephemeral node vanished
	// keeps its slots: a supervisor that restarts replaces its old session's
	// node (delete, then create), and a read between the two must not move its
	// healthy workers; default 2s.
	SupervisorGrace time.Duration
	// LaunchGrace is how long a newly assigned worker may stay silent before
	// its slot counts as dead (nimbus.task.launch.secs); default 20s.
	LaunchGrace time.Duration
	// RequireArtifacts holds this nimbus out of leadership until its driver
	// reports, by an ArtifactsReady message, that it holds the program of
	// every active topology (real mode; STORM-1977). The simulator and local
	// mode build components into every worker and leave it false.
	RequireArtifacts bool
	// TestOnly breaks the machine on purpose, so that tests can show the
	// scenario invariants catch each fault. Nothing else may set it.
	TestOnly Breakage
}

// Breakage lists the deliberate faults tests can build nimbus with.
type Breakage struct {
	Unfenced        bool // write without checking the election node, and serve clients while disconnected
	NoFailoverGrace bool // a new leader times out every worker at once
	CapacityScale   int  // believe supervisors have this many times their capacity
	DropTask        bool // leave each topology's last task out of its assignment
	PlanAlone       bool // plan each topology as if no other had slots
	AckBeforeWrite  bool // answer a lifecycle change OK before its fenced write applies
	// AnswerSuspended answers clients from the leader's view while its
	// session is disconnected (a deposed leader's stale reads).
	AnswerSuspended bool
	// HideCorrupt hides a topology whose record is corrupt from clients, as
	// nimbus once did: unknown to status and kill, its slots held for ever.
	HideCorrupt bool
}

func (c Config) withDefaults() Config {
	if c.MonitorPeriod == 0 {
		c.MonitorPeriod = time.Second
	}
	if c.SupervisorGrace == 0 {
		c.SupervisorGrace = 2 * time.Second
	}
	if c.LaunchGrace == 0 {
		c.LaunchGrace = 20 * time.Second
	}
	return c
}

// Bounds.
const (
	topologiesMax  = 4096
	supervisorsMax = 4096
	opsMax         = 2 * (topologiesMax + supervisorsMax)
	// awaitReadsMax bounds the monitor passes a client waits for the
	// re-read that settles its write's lost reply.
	awaitReadsMax = 5
)

// Stats count what a nimbus did.
type Stats struct {
	Takeovers        int
	AssignmentWrites int
	Rejected         int // client requests refused
	Corrupt          int // znodes or messages that could not be decoded
	FencedOut        int // writes refused because leadership was lost
}

// slot is one worker slot.
type slot struct {
	sup  core.SupervisorID
	port core.Port
}

// topo is the leader's view of one topology.
type topo struct {
	rec        protocol.TopologyRecord
	version    int32 // of the record's znode
	spec       *topology.Topology
	assign     *protocol.Assignment // nil when none is written
	assignVer  int32                // of the assignment's znode; -1 when none
	assignedAt map[slot]core.Time   // when each slot got this topology's worker
	deadline   core.Time            // of the pending action; 0 when none
	writing    bool                 // a write for this topology is in flight
	reason     string               // why it is not fully scheduled
	rebalance  bool                 // lift stickiness on the next plan
	corrupt    bool                 // its record exists but cannot be read: its assignment stays
	reread     bool                 // a write failed and may have applied: read the record again
	// await is the write whose reply was lost (ConnectionLoss) while its
	// client waits: the re-read tells whether it applied, and the client
	// hears that outcome, not the lost reply.
	await *op
	// awaitReads counts the re-reads that could not settle await; at
	// awaitReadsMax the client is told the outcome is unknown.
	awaitReads int

	// errs are its last errors and the state of their record (see
	// errors.go).
	errs errorLog
	// doubt holds the workers of assignment writes whose outcome is
	// unknown until a read or a later write settles it: their slots may
	// be taken, so no other topology may be given them meanwhile.
	doubt []protocol.WorkerAssignment
	// creating is the name of the topology whose record a submit is
	// creating under this id (the placeholder, while rec.ID is "").
	creating string
}

// Machine is one nimbus.
type Machine struct {
	cfg  Config
	seq  core.OpSeq
	cand *election.Candidate
	now  core.Time
	out  []core.Effect
	ops  map[core.OpID]op

	leading     bool // leader and loaded
	suspended   bool // the session is not known to be connected: answer no client
	loadWait    int  // load reads still outstanding; -1 when not loading
	leaderSince core.Time
	nextMonitor core.Time
	dirty       bool // reschedule at the next chance
	loadFailed  bool // a load read went unanswered: the view is incomplete
	relist      bool // read the supervisors (and set the watch) again

	supervisors map[core.SupervisorID]protocol.SupervisorInfo
	vanished    map[core.SupervisorID]core.Time // when its ephemeral was last seen missing
	supSince    map[core.SupervisorID]core.Time // when this leader first read its registration
	topos       map[core.TopologyID]*topo
	seen        map[slot]core.Time              // last time a supervisor reported the worker alive
	metrics     map[slot][]protocol.TaskMetrics // what each assigned worker last reported
	stats       Stats
	// submitted counts this nimbus's submits: the N of topology ids
	// name-N-secs, as Storm's nimbus counts them.
	submitted int
}

// New returns a nimbus that starts as a candidate.
func New(cfg Config) *Machine {
	cfg = cfg.withDefaults()
	m := &Machine{cfg: cfg, ops: map[core.OpID]op{}, loadWait: -1}
	m.cand = election.New(election.Config{
		ID: cfg.ID, Address: string(cfg.ID), Priority: cfg.Priority,
		Root: cfg.Layout.Base(), Ops: &m.seq,
	})
	m.cand.SetEligible(!cfg.RequireArtifacts)
	m.resetLeader("")
	return m
}

// IsLeader reports whether this nimbus leads and has loaded the cluster state.
func (m *Machine) IsLeader() bool { return m.leading }

// Leader is who this nimbus believes leads ("" when unknown).
func (m *Machine) Leader() core.NodeID { return m.cand.Leader() }

// Stats returns the nimbus's counters.
func (m *Machine) Stats() Stats { return m.stats }

// Ready drains the effects produced since the last call.
func (m *Machine) Ready() []core.Effect {
	out := append(m.cand.Ready(), m.out...)
	m.out = nil
	return out
}

// Step consumes one event.
func (m *Machine) Step(now core.Time, ev core.Event) {
	core.Assert(now >= m.now, "time went backwards: %d < %d", now, m.now)
	m.now = now
	switch ev := ev.(type) {
	case core.CoordResult:
		if m.cand.Owns(ev.Op) {
			m.stepCandidate(ev)
			return
		}
		m.onResult(ev)
	case core.Recv:
		m.onRecv(ev)
	case core.Tick:
		m.stepCandidate(ev)
		m.onTick()
	case core.WatchFired:
		m.stepCandidate(ev)
		m.onWatch(ev)
	case core.SessionChanged:
		// Between a disconnection and the next Connected, this nimbus
		// cannot know whether its session (and its leadership) still
		// stands: a partitioned leader's session may expire and another
		// nimbus lead. It stops answering clients meanwhile, as Curator's
		// LeaderLatch does on SUSPENDED: the client detects the silence
		// after 2/3 of the session timeout, before the server can expire
		// the session, so no deposed leader answers from a stale view.
		m.suspended = ev.State != core.Connected
		m.stepCandidate(ev)
	default:
		m.stepCandidate(ev)
	}
}

// stepCandidate forwards ev to the election and follows its verdict.
func (m *Machine) stepCandidate(ev core.Event) {
	m.cand.Step(m.now, ev)
	switch {
	case m.cand.IsLeader() && !m.leading && m.loadWait < 0:
		m.startLoad()
	case !m.cand.IsLeader() && (m.leading || m.loadWait >= 0):
		m.resetLeader("the election no longer names this nimbus")
	}
}

// resetLeader drops all leader state: a new term loads afresh. why, when
// this nimbus led or was loading, is logged as the reason it stopped ("":
// nothing to log, the election still names it).
func (m *Machine) resetLeader(why string) {
	if why != "" && (m.leading || m.loadWait >= 0) {
		m.log(core.LogInfo, "nimbus: leadership lost", "reason", why)
	}
	m.failClients("nimbus: leadership lost; the outcome is unknown, check the status")
	m.leading, m.loadWait, m.dirty = false, -1, false
	m.loadFailed, m.relist = false, false
	m.supervisors = map[core.SupervisorID]protocol.SupervisorInfo{}
	m.vanished = map[core.SupervisorID]core.Time{}
	m.supSince = map[core.SupervisorID]core.Time{}
	m.topos = map[core.TopologyID]*topo{}
	m.seen = map[slot]core.Time{}
	m.metrics = map[slot][]protocol.TaskMetrics{}
	clear(m.ops) // results of an old term are ignored
}

func (m *Machine) onTick() {
	if !m.leading || m.now < m.nextMonitor {
		return
	}
	m.nextMonitor = m.now.Add(m.cfg.MonitorPeriod)
	if m.relist {
		m.relist = false
		m.readSupervisors()
	}
	m.rereadTopologies()
	m.checkDeadlines()
	m.checkHealth()
	m.syncErrors()
	if m.dirty {
		m.reschedule()
	}
}

func (m *Machine) onWatch(ev core.WatchFired) {
	if !m.leading && m.loadWait < 0 {
		return
	}
	if ev.Path == m.cfg.Layout.Supervisors() {
		m.readSupervisors()
	}
}

func itoa(v int) string { return strconv.Itoa(v) }
