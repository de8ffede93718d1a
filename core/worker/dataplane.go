package worker

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/task"
)

// dataMagic starts every tuple batch between workers, so a worker tells them
// from control messages (JSON, which starts with '{'); helloMagic starts a
// greeting that asks for an answer (an empty batch).
const (
	dataMagic     = 0x01
	helloMagic    = 0x02
	pressureMagic = 0x03 // followed by 1 (congested) or 0 (relieved)
)

// stepBudgetDefault bounds the tuples a worker executes per tick.
const stepBudgetDefault = 4096

// dataplane is the worker's running tasks: a plane over its assignment.
type dataplane struct {
	plane Plane
	peers []core.NodeID // worker index → node
	local int
	epoch uint64
	// heard holds the peers that have spoken since this dataplane started.
	// Spouts stay inactive until every peer has, as Storm workers wait for
	// their connections to all peers before activating: tuples sent to a
	// worker not yet running would be lost and replayed.
	heard map[core.NodeID]bool
	ready bool
	// congested is what this worker last told its peers; pressing holds the
	// peers that say they are congested: while any is, spouts here wait.
	congested bool
	pressedAt core.Time // when it last told them it is congested
	pressing  map[core.NodeID]core.Time
	// send queues a batch for a peer; made once, so a flush allocates no
	// closure.
	send func(w, n int, batch []byte)
}

// A congested worker repeats its signal every pressureRefresh; a peer's
// signal lapses after pressureTTL, so a worker that dies congested does not
// stop its peers' spouts for ever.
const (
	pressureRefresh = time.Second
	pressureTTL     = 2 * time.Second
)

// buildDataplane (re)creates the executor for a new assignment. Tuples in
// flight in the old one are lost; their trees time out and the spouts replay
// them, as when Storm restarts executors on a reassignment.
func (m *Machine) buildDataplane(a protocol.WorkerAssign) {
	if m.cfg.Topology == nil || len(a.Workers) == 0 {
		return
	}
	if m.dp != nil && slices.Equal(m.dpTasks, a.Tasks) && slices.EqualFunc(m.dpWorkers, a.Workers, sameSlot) {
		m.dp.epoch = a.Epoch // same tasks, same peers: keep running
		m.dp.plane.SetActive(m.spoutsOn())
		return
	}
	workerOf := map[core.TaskID]int{}
	hostOf := map[int]string{}
	local := -1
	peers := make([]core.NodeID, len(a.Workers))
	for i, w := range a.Workers {
		peers[i] = protocol.WorkerNode(w.Supervisor, w.Port)
		hostOf[i] = w.Host
		for _, t := range w.Tasks {
			workerOf[t] = i
		}
		if w.Supervisor == m.cfg.Spec.Supervisor && w.Port == m.cfg.Spec.Port {
			local = i
		}
	}
	if local < 0 {
		m.stats.BadMessages++
		return
	}
	m.carryMetrics()
	m.carryErrors()
	factory := m.cfg.Plane
	if factory == nil {
		factory = NewSinglePlane
	}
	plane, err := factory(task.ExecutorConfig{Topology: m.cfg.Topology, Tasks: a.Tasks, Now: m.now,
		WorkerOf: workerOf, HostOf: hostOf, Local: local, Rand: rand.New(rand.NewPCG(m.rng.Uint64(), m.rng.Uint64())),
		Services: m.cfg.Services, Clock: m.cfg.Clock, UnitTime: m.cfg.UnitTime,
		TestOnlyAckAtInit: m.cfg.TestOnlyAckAtInit,
		Inactive:          len(peers) > 1 || !m.statusRuns(a.Status)})
	if err != nil {
		m.stats.DataErrors++
		return
	}
	m.closeDataplane()
	m.dp = &dataplane{plane: plane, peers: peers, local: local, epoch: a.Epoch,
		heard: map[core.NodeID]bool{}, pressing: map[core.NodeID]core.Time{}}
	dp := m.dp
	dp.send = func(w, _ int, batch []byte) { m.out = append(m.out, core.Send{To: dp.peers[w], Payload: batch}) }
	m.restoreMetrics()
	m.dp.ready = len(peers) == 1
	plane.SetActive(m.spoutsOn())
	m.dpTasks, m.dpWorkers = slices.Clone(a.Tasks), slices.Clone(a.Workers)
}

func sameSlot(a, b protocol.WorkerAssignment) bool {
	return a.Supervisor == b.Supervisor && a.Port == b.Port && slices.Equal(a.Tasks, b.Tasks)
}

// runDataplane executes tuples and sends what is for other workers.
func (m *Machine) runDataplane() {
	if m.dp == nil {
		return
	}
	m.greet()
	m.dp.plane.Step(m.now, m.cfg.StepBudget)
	m.flush()
	m.signalPressure()
}

// signalPressure tells the peers when this worker becomes congested or
// relieved, so that their spouts wait rather than flood its inboxes.
func (m *Machine) signalPressure() {
	dp := m.dp
	for p, at := range dp.pressing {
		if m.now.Sub(at) > pressureTTL {
			delete(dp.pressing, p) // lapsed: its sender may be gone
		}
	}
	dp.plane.SetThrottled(len(dp.pressing) > 0)
	c := dp.plane.Congested()
	if c == dp.congested && (!c || m.now.Sub(dp.pressedAt) < pressureRefresh) {
		return
	}
	dp.congested = c
	if c {
		dp.pressedAt = m.now
	}
	flag := byte(0)
	if c {
		flag = 1
	}
	for i, p := range dp.peers {
		if i != dp.local {
			m.out = append(m.out, core.Send{To: p, Payload: []byte{pressureMagic, flag}})
		}
	}
}

// greet says hello (an empty batch) to every peer not heard from yet, and
// activates the spouts once all have spoken.
func (m *Machine) greet() {
	dp := m.dp
	if dp.ready {
		return
	}
	missing := 0
	for i, p := range dp.peers {
		if i != dp.local && !dp.heard[p] {
			missing++
		}
	}
	for i, p := range dp.peers {
		if i != dp.local && !dp.heard[p] {
			m.out = append(m.out, core.Send{To: p, Payload: []byte{helloMagic}})
		}
	}
	if missing == 0 {
		dp.ready = true
		dp.plane.SetActive(m.spoutsOn())
	}
}

// spoutsOn reports whether the spouts may run: every peer has spoken and
// the topology is ACTIVE. Storm's executors likewise check the topology's
// status (storm-active) beside the worker's own readiness; a deactivated
// topology's spouts stop here, within one assignment's delivery.
func (m *Machine) spoutsOn() bool {
	return m.dp.ready && m.statusRuns(m.status)
}

// statusRuns reports whether a topology in status runs its spouts here.
func (m *Machine) statusRuns(status string) bool {
	return protocol.SpoutsActive(status) || m.cfg.TestOnlyIgnoreStatus
}

// flush sends what the plane produced for other workers.
func (m *Machine) flush() {
	dp := m.dp
	m.stats.DataErrors += dp.plane.Flush(dp.send)
}

// closeDataplane stops the running plane, if any.
func (m *Machine) closeDataplane() {
	if m.dp != nil {
		m.dp.plane.Close()
	}
}

// onData takes a batch from another worker.
func (m *Machine) onData(from core.NodeID, payload []byte) {
	if m.dp == nil {
		return // not running yet: the senders' trees time out and replay
	}
	m.dp.heard[from] = true
	if payload[0] == pressureMagic {
		if len(payload) == 2 && payload[1] == 1 {
			m.dp.pressing[from] = m.now
		} else {
			delete(m.dp.pressing, from)
		}
		m.dp.plane.SetThrottled(len(m.dp.pressing) > 0)
		return
	}
	if payload[0] == helloMagic {
		// A peer waiting for us: answer with an empty batch.
		empty, _ := task.AppendBatch([]byte{dataMagic}, nil)
		m.out = append(m.out, core.Send{To: from, Payload: empty})
		return
	}
	if err := m.dp.plane.Deliver(payload[1:]); err != nil {
		m.stats.DataErrors++
	}
}

// Executor returns the running executor, nil before the first assignment
// or when the plane is not a single executor.
func (m *Machine) Executor() *task.Executor {
	if m.dp == nil {
		return nil
	}
	if p, ok := m.dp.plane.(*singlePlane); ok {
		return p.Executor
	}
	return nil
}

// Plane returns the running plane, nil before the first assignment: for
// checkers that read what its tasks recorded.
func (m *Machine) Plane() Plane {
	if m.dp == nil {
		return nil
	}
	return m.dp.plane
}

// Close stops the data plane; a driver calls it when it stops stepping
// the machine. It is idempotent.
func (m *Machine) Close() {
	m.closeDataplane()
	m.dp = nil
}
