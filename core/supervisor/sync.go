package supervisor

import (
	"fmt"
	"maps"
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// want is the worker an assignment puts on one of our ports.
type want struct {
	topology    core.TopologyID
	incarnation int64 // the assignment's (see protocol.Assignment)
	epoch       uint64
	tasks       []core.TaskID
	workers     []protocol.WorkerAssignment // the whole assignment: the worker's routing table
	status      string                      // the topology's status: whether its spouts run
}

// round is one read of every assignment: children(watch), then
// get(watch) of each. Only a complete round replaces what is known, so a
// lost connection midway never makes workers look undesired.
type round struct {
	id     uint64 // 0: no round under way
	wait   int    // replies still expected
	failed bool
	again  bool // a watch fired meanwhile: read again after this round
	got    map[core.TopologyID]protocol.Assignment
}

// sync starts a round, or asks for another after the one under way.
func (m *Machine) sync() {
	if m.session == 0 {
		return
	}
	if m.round.id != 0 {
		m.round.again = true
		return
	}
	m.roundSeq++
	m.round = round{id: m.roundSeq, wait: 1, got: map[core.TopologyID]protocol.Assignment{}}
	m.syncAt = m.now.Add(m.cfg.SyncPeriod)
	m.issue(opInfo{kind: opAssignChildren, round: m.round.id},
		core.Children{Path: m.cfg.Layout.Assignments(), Watch: true})
}

func (m *Machine) onAssignRead(info opInfo, r core.Reply) {
	if info.round != m.round.id || m.round.id == 0 {
		return
	}
	if info.kind == opAssignChildren {
		m.onAssignChildren(r)
	} else {
		m.onAssignGet(info.path, r)
	}
	m.round.wait--
	core.Assert(m.round.wait >= 0, "supervisor %s: assignment round over-counted", m.cfg.ID)
	if m.round.wait == 0 {
		m.endRound()
	}
}

func (m *Machine) onAssignChildren(r core.Reply) {
	switch r.Code {
	case core.CodeOK:
		if len(r.Children) > assignmentsMax {
			m.round.failed = true // refuse the whole listing rather than drop topologies
			return
		}
		dir := m.cfg.Layout.Assignments()
		for _, name := range r.Children {
			path := dir + "/" + name
			m.round.wait++
			m.issue(opInfo{kind: opAssignGet, round: m.round.id, path: path},
				core.GetData{Path: path, Watch: true})
		}
	case core.CodeNoNode:
		// No assignments directory: nothing is assigned anywhere.
	default:
		m.round.failed = true
	}
}

// onAssignGet keeps one assignment. A corrupt one is counted and skipped;
// the last good version of it, if any, stays in force.
func (m *Machine) onAssignGet(path string, r core.Reply) {
	topology := core.TopologyID(path[len(m.cfg.Layout.Assignments())+1:])
	switch r.Code {
	case core.CodeOK:
		a, err := protocol.DecodeAssignment(r.Data)
		if err == nil && a.Topology != topology {
			err = fmt.Errorf("%w: it names topology %q", protocol.ErrBadRecord, a.Topology)
		}
		if err != nil {
			m.stats.CorruptAssignments++
			m.lastCorrupt = fmt.Sprintf("%s: %v", path, err)
			if prev, ok := m.assignments[topology]; ok {
				m.round.got[topology] = prev
				m.lastCorrupt += fmt.Sprintf(" (epoch %d stays in force)", prev.Epoch)
			}
			return
		}
		a.Incarnation = r.Stat.Czxid
		m.round.got[topology] = a
	case core.CodeNoNode:
		// Deleted since the listing: the topology is gone.
	default:
		m.round.failed = true
	}
}

func (m *Machine) endRound() {
	rd := m.round
	m.round = round{}
	if rd.failed {
		m.stats.SyncFailures++
		m.syncAt = m.now.Add(syncRetry)
		return
	}
	m.stats.Syncs++
	m.synced = true
	m.assignments = rd.got
	m.desired = m.computeDesired()
	if rd.again {
		m.sync()
	}
}

// computeDesired maps each of our ports to the worker assigned there. Two
// topologies claiming one port means nimbus is midway through moving one:
// the port keeps the one that occupies it, or stays free, until the
// assignments agree again (never two topologies on one port, STORM-155).
func (m *Machine) computeDesired() map[core.Port]want {
	claims := map[core.Port][]want{}
	for _, t := range slices.Sorted(maps.Keys(m.assignments)) {
		a := m.assignments[t]
		for _, w := range a.WorkersOn(m.cfg.ID) {
			if m.slots[w.Port] == nil {
				m.stats.ForeignPorts++
				continue
			}
			claims[w.Port] = append(claims[w.Port], want{topology: t, incarnation: a.Incarnation, epoch: a.Epoch,
				tasks: slices.Clone(w.Tasks), workers: a.Workers, status: a.Status})
		}
	}
	desired := make(map[core.Port]want, len(claims))
	for port, cs := range claims {
		if len(cs) == 1 {
			desired[port] = cs[0]
			continue
		}
		m.stats.AssignmentConflicts++
		occupant := m.slots[port].occupant()
		for _, c := range cs {
			if c.topology == occupant {
				desired[port] = c
			}
		}
	}
	return desired
}
