package nimbus

import (
	"slices"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// onSupervisorHeartbeat records which assigned workers their supervisor
// reports alive. Only the leader listens; heartbeats never touch ZooKeeper.
func (m *Machine) onSupervisorHeartbeat(hb protocol.SupervisorHeartbeat) {
	if !m.leading {
		return
	}
	for _, w := range hb.Workers {
		t := m.topos[w.Topology]
		if !w.Alive || t == nil || t.assign == nil {
			continue
		}
		s := slot{hb.Supervisor, w.Port}
		if _, assigned := t.assignedAt[s]; assigned {
			m.seen[s] = m.now
			m.metrics[s] = w.Metrics
			m.mergeErrors(t, m.supervisors[hb.Supervisor].Host, w)
		}
	}
}

// dropMetrics forgets what the workers on t's slots reported, but for the
// slots in keep: a slot's last report must not count for the topology that
// gets the slot next, nor for the topology's next submission under its name.
func (m *Machine) dropMetrics(t *topo, keep map[slot]core.Time) {
	for s := range t.assignedAt {
		if _, ok := keep[s]; !ok {
			delete(m.metrics, s)
		}
	}
}

// workerTimeout is the topology's worker timeout (per topology, STORM-3479).
func (t *topo) workerTimeout() time.Duration {
	if t.spec == nil || t.spec.Config.WorkerTimeout <= 0 {
		return 30 * time.Second
	}
	return t.spec.Config.WorkerTimeout
}

// deadSlots returns the assigned slots whose worker has been silent past its
// timeout, counting from the latest of: its last report, its assignment plus
// the launch grace, and this leader's takeover (the failover grace).
func (m *Machine) deadSlots() []slot {
	var dead []slot
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if t.assign == nil || t.rec.ID == "" || t.rec.Status == protocol.StatusKilled || t.corrupt {
			continue // nobody moves its workers: they go with the topology
		}
		timeout := t.workerTimeout()
		for _, w := range t.assign.Workers {
			s := slot{w.Supervisor, w.Port}
			if _, ok := m.supervisors[s.sup]; !ok {
				continue // the whole supervisor is gone; handled as such
			}
			last := m.seen[s]
			if !m.cfg.TestOnly.NoFailoverGrace {
				last = max(last, m.leaderSince)
			}
			if at, ok := t.assignedAt[s]; ok {
				last = max(last, at.Add(m.cfg.LaunchGrace-timeout))
			}
			if m.now.Sub(last) > timeout {
				dead = append(dead, s)
			}
		}
	}
	slices.SortFunc(dead, func(a, b slot) int {
		if a.sup != b.sup {
			if a.sup < b.sup {
				return -1
			}
			return 1
		}
		return int(a.port) - int(b.port)
	})
	return dead
}

func (m *Machine) checkHealth() {
	for _, id := range sortedSupervisors(m.supervisors) {
		if at, ok := m.vanished[id]; ok && m.now.Sub(at) >= m.cfg.SupervisorGrace {
			delete(m.supervisors, id) // its slots are lost
			delete(m.vanished, id)
			delete(m.supSince, id)
			m.dirty = true
			m.log(core.LogInfo, "nimbus: supervisor lost", "supervisor", string(id),
				"grace", m.cfg.SupervisorGrace.String())
		}
	}
	if len(m.deadSlots()) > 0 || m.underScheduled() {
		m.dirty = true
	}
}

// underScheduled reports whether a live topology is not fully placed: it is
// planned again every monitor period, since slots it could use may free up
// without any event of their own (a dead worker's slot, once its topology
// moved away, is neither dead nor assigned).
func (m *Machine) underScheduled() bool {
	for _, t := range m.topos {
		if t.rec.ID != "" && t.reason != "" && t.rec.Status != protocol.StatusKilled && !t.corrupt {
			return true
		}
	}
	return false
}

func (m *Machine) onResult(ev core.CoordResult) {
	o, ok := m.ops[ev.Op]
	if !ok {
		return
	}
	delete(m.ops, ev.Op)
	switch o.kind {
	case opEnsure:
	case opTopoWrite:
		m.onTopoWrite(o, ev.Reply)
	case opAssignWrite:
		m.onAssignWrite(o, ev.Reply)
	case opRemove:
		m.onRemove(o, ev.Reply)
	case opTopoReread:
		m.onTopoReread(o, ev.Reply)
	case opErrorsRead:
		m.onErrorsRead(o, ev.Reply)
	case opErrorsWrite:
		m.onErrorsWrite(o, ev.Reply)
	default:
		m.onLoadResult(o, ev.Reply)
	}
}

func sortedKeys[V any](mp map[string]V) []string {
	keys := make([]string, 0, len(mp))
	for k := range mp {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
