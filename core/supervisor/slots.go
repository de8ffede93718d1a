package supervisor

import (
	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// slotState is what the supervisor knows of the process on one port.
type slotState uint8

const (
	// slotUnknown: at start, before Restored; an orphan of an earlier
	// incarnation may hold the port. A heartbeat adopts it; otherwise after
	// WorkerStartTimeout a desired port is cleared by a StopWorker.
	slotUnknown    slotState = iota
	slotEmpty                // no process we know of
	slotPersisting           // the launch record is being written; StartWorker follows
	slotStarting             // StartWorker sent
	slotRunning              // started, recovered from a record, or adopted
	slotStopping             // StopWorker sent; waiting for WorkerExited or stopAt
)

var slotStateNames = [...]string{"unknown", "empty", "persisting", "starting", "running", "stopping"}

func (s slotState) String() string { return slotStateNames[s] }

// slot is one port and the worker on it.
type slot struct {
	port     core.Port
	state    slotState
	since    core.Time              // when the state began
	topology core.TopologyID        // of the worker (persisting .. stopping)
	epoch    uint64                 // the epoch it started with or last reported
	metrics  []protocol.TaskMetrics // its tasks' counters, from its last heartbeat
	errors   []protocol.TaskError   // its tasks' newest errors, from its last heartbeat
	op       core.OpID              // the persist or start in flight
	stopAt   core.Time              // stopping: give up waiting for WorkerExited

	heartbeated   bool // heard from since it started or was recovered
	lastHeartbeat core.Time
	healthySince  core.Time
	recovered     bool   // running from a Restored record: its first heartbeat adopts it
	told          bool   // a WorkerAssign was sent ...
	toldEpoch     uint64 // ... for this epoch
	toldInc       int64  // ... and this incarnation

	clearedAt core.Time // when the last worker was known gone (0: never)
	recorded  bool      // a launch record may exist in the store
	failures  int       // consecutive failures, for backoff
	notBefore core.Time
}

// occupant is the topology whose worker holds or is about to hold the port.
func (s *slot) occupant() core.TopologyID {
	switch s.state {
	case slotPersisting, slotStarting, slotRunning:
		return s.topology
	}
	return ""
}

// reconcile moves every port toward the desired state, in port order.
// Nothing is stopped for being undesired until the assignments have been
// read once: a supervisor that cannot reach ZooKeeper keeps what runs.
func (m *Machine) reconcile() {
	for _, p := range m.cfg.Slots {
		m.reconcileSlot(m.slots[p])
	}
}

func (m *Machine) reconcileSlot(s *slot) {
	w, wanted := m.desired[s.port]
	switch s.state {
	case slotUnknown:
		if m.synced && m.now.Sub(s.since) >= m.cfg.WorkerStartTimeout {
			if wanted {
				m.stop(s) // defensive: kill a silent orphan before starting ours
			} else {
				s.reset(slotEmpty, m.now)
			}
		}
	case slotEmpty:
		if wanted && w.topology != s.topology {
			s.failures, s.notBefore = 0, 0 // another topology's crash loop is not this one's
		}
		switch {
		case m.synced && wanted && m.now >= s.notBefore:
			m.launch(s, w)
		case m.synced && !wanted && s.recorded:
			m.unrecord(s.port)
			s.recorded = false
		}
	case slotPersisting, slotStarting:
		// Their outcomes always come back; the bound only keeps a port from
		// waiting forever on a broken driver. A start may have happened.
		if m.now.Sub(s.since) > m.cfg.WorkerStartTimeout {
			m.fail(s)
			m.stop(s)
		}
	case slotRunning:
		m.reconcileRunning(s, w, wanted)
	case slotStopping:
		if m.now >= s.stopAt {
			m.stats.StopTimeouts++
			m.cleared(s)
			m.reconcileSlot(s)
		}
	}
}

func (m *Machine) reconcileRunning(s *slot, w want, wanted bool) {
	switch {
	case m.synced && (!wanted || w.topology != s.topology):
		m.stop(s) // unassigned, or the port now belongs to another topology
	case s.heartbeated && m.now.Sub(s.lastHeartbeat) > m.cfg.WorkerTimeout,
		!s.heartbeated && m.now.Sub(s.since) > m.cfg.WorkerStartTimeout:
		m.stats.HeartbeatTimeouts++
		m.fail(s)
		m.stop(s)
	default:
		if s.heartbeated && s.failures > 0 && m.now.Sub(s.healthySince) >= m.cfg.BackoffReset {
			s.failures = 0
		}
		if wanted && s.heartbeated && (!s.told || s.toldEpoch != w.epoch || s.toldInc != w.incarnation) {
			m.assign(s, w)
		}
	}
}

// launch writes the launch record; StartWorker follows when it is durable
// (write-ahead: a restarted supervisor must know what it may have started).
func (m *Machine) launch(s *slot, w want) {
	s.reset(slotPersisting, m.now)
	s.topology, s.epoch = w.topology, w.epoch
	s.recorded = true
	s.op = m.record(s.port, w.topology, w.epoch)
}

// record persists a launch record and returns the op that reports it.
func (m *Machine) record(port core.Port, t core.TopologyID, epoch uint64) core.OpID {
	op := m.newOp(opInfo{kind: opRecordWrite, port: port})
	m.out = append(m.out, core.Persist{Op: op, Key: recordKey(port), Value: encodeRecord(t, epoch)})
	return op
}

func (m *Machine) unrecord(port core.Port) {
	op := m.newOp(opInfo{kind: opRecordDelete, port: port})
	m.out = append(m.out, core.Persist{Op: op, Key: recordKey(port)})
}

func (m *Machine) onPersisted(ev core.Persisted) {
	info, ok := m.take(ev.Op, opRecordWrite, opRecordDelete)
	if !ok {
		return
	}
	if ev.Err != "" {
		m.stats.PersistErrors++
	}
	s := m.slots[info.port]
	if info.kind != opRecordWrite || s == nil || s.state != slotPersisting || s.op != ev.Op {
		return // a delete, or a write overtaken by events; reconcile sorts it out
	}
	w, wanted := m.desired[s.port]
	switch {
	case ev.Err != "":
		m.fail(s)
		s.reset(slotEmpty, m.now)
	case !wanted || w.topology != s.topology:
		s.reset(slotEmpty, m.now)
	default:
		m.start(s, w)
	}
}

func (m *Machine) start(s *slot, w want) {
	s.reset(slotStarting, m.now)
	s.topology, s.epoch = w.topology, w.epoch
	s.op = m.newOp(opInfo{kind: opStart, port: s.port})
	m.stats.Starts++
	m.out = append(m.out, core.StartWorker{Op: s.op, Spec: core.WorkerSpec{
		Topology: w.topology, Supervisor: m.cfg.ID, Port: s.port, Epoch: w.epoch}})
}

// onWorkerStarted: a start refused means some process holds the port, an
// orphan we did not know of. One that heartbeats as ours is adopted; any
// other is stopped, and the start retried after backoff.
func (m *Machine) onWorkerStarted(ev core.WorkerStarted) {
	info, ok := m.take(ev.Op, opStart)
	if !ok {
		return
	}
	s := m.slots[info.port]
	if s.state != slotStarting || s.op != ev.Op {
		return
	}
	if ev.Err == "" {
		s.state, s.since = slotRunning, m.now
		return
	}
	m.stats.StartErrors++
	if s.heartbeated && m.now.Sub(s.lastHeartbeat) <= m.cfg.WorkerTimeout {
		m.stats.Adoptions++
		s.state, s.since = slotRunning, m.now
		return
	}
	m.fail(s)
	m.stop(s)
}

func (m *Machine) stop(s *slot) {
	s.state, s.since = slotStopping, m.now
	s.stopAt = m.now.Add(m.cfg.StopTimeout)
	m.stats.Stops++
	m.out = append(m.out, core.StopWorker{Port: s.port})
}

// fail counts a failure of the port's worker and delays its next start.
func (m *Machine) fail(s *slot) {
	s.failures = min(s.failures+1, failuresMax)
	s.notBefore = m.now.Add(m.cfg.backoff(s.failures))
}

// cleared: no process holds the port any more (as far as can be known).
// The launch record stays until reconcile rewrites or deletes it.
func (m *Machine) cleared(s *slot) {
	s.reset(slotEmpty, m.now)
	s.clearedAt = m.now
}

func (m *Machine) onWorkerExited(ev core.WorkerExited) {
	s := m.slots[ev.Port]
	if s == nil {
		return
	}
	switch s.state {
	case slotRunning, slotStarting:
		m.stats.Exits++
		m.fail(s)
		m.cleared(s)
	case slotStopping, slotUnknown:
		m.cleared(s)
	}
}

func (m *Machine) assign(s *slot, w want) {
	s.told, s.toldEpoch, s.toldInc = true, w.epoch, w.incarnation
	m.out = append(m.out, core.Send{To: protocol.WorkerNode(m.cfg.ID, s.port), Payload: protocol.EncodeMessage(
		protocol.WorkerAssign{Topology: w.topology, Port: s.port, Epoch: w.epoch, Incarnation: w.incarnation,
			Assigned: true, Tasks: w.tasks, Workers: w.workers, Status: w.status})})
}

// reset enters a state with no heartbeat heard yet; the topology, record,
// failures and backoff stay.
func (s *slot) reset(state slotState, now core.Time) {
	s.state, s.since = state, now
	s.op = 0
	s.heartbeated, s.recovered, s.told = false, false, false
}
