package supervisor

import (
	"encoding/json"
	"strings"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/election"
)

// onSession follows the session. Nothing here touches workers: losing
// ZooKeeper, even for good, never stops what runs.
func (m *Machine) onSession(ev core.SessionChanged) {
	switch ev.State {
	case core.Connected:
		if ev.Session == m.session {
			// Reconnected within the session: the node and watches hold, but
			// a registration or a read may have failed meanwhile.
			if !m.registered {
				m.register()
			}
			m.readLeader()
			m.sync()
			return
		}
		m.resetSession(ev.Session)
		for _, p := range m.cfg.Layout.Parents() {
			m.issue(opInfo{kind: opEnsure}, core.Create{Path: p, Mode: core.Persistent})
		}
		m.register()
		m.readLeader()
		m.sync()
	case core.Expired:
		if ev.Session == m.session {
			m.resetSession(0)
		}
	case core.Disconnected:
		// Requests wait in the client; the session may well survive.
	}
}

// resetSession forgets everything tied to the old session. The assignments
// read and the leader known stay: they are the best knowledge there is.
func (m *Machine) resetSession(id core.SessionID) {
	m.session = id
	m.epoch++
	m.registered, m.registering = false, false
	m.registerAttempts = 0
	m.registerAt = 0
	m.round = round{}
	m.syncAt = 0
}

func (m *Machine) onCoordResult(ev core.CoordResult) {
	info, ok := m.ops[ev.Op]
	if !ok || !info.kind.coord() {
		return
	}
	delete(m.ops, ev.Op)
	if info.epoch != m.epoch {
		return // a result of an earlier session; its state is gone
	}
	r := ev.Reply
	switch info.kind {
	case opEnsure:
		// NodeExists is the expected answer; anything else shows up later
		// as a NoNode to the registration, which ensures them again.
	case opRegisterWatch:
		if r.Code == core.CodeNoNode {
			m.registered = false // deleted between our create and the watch
			m.register()
		}
	case opRegister:
		m.onRegister(r)
	case opRegisterCheck:
		m.onRegisterCheck(r)
	case opRegisterDelete:
		m.onRegisterDelete(r)
	case opLeaderExists:
		// It only arms the watch; the GetData after it reads the data.
	case opLeaderGet:
		m.onLeader(r)
	case opAssignChildren, opAssignGet:
		m.onAssignRead(info, r)
	}
}

// register creates our ephemeral node. A NodeExists, or a lost connection
// that leaves the outcome unknown, leads to reading the node's owner.
func (m *Machine) register() {
	if m.session == 0 || m.registering {
		return
	}
	m.registering = true
	m.registerAttempts++
	m.issue(opInfo{kind: opRegister}, core.Create{Path: m.selfPath, Data: m.info, Mode: core.Ephemeral})
}

// registerFailed ends an attempt; the tick retries after registerRetry.
func (m *Machine) registerFailed() {
	m.registering = false
	m.registerAttempts = 0
	m.registerAt = m.now.Add(registerRetry)
}

func (m *Machine) onRegistered() {
	m.registered, m.registering = true, false
	m.registerAttempts = 0
	m.stats.Registrations++
	m.issue(opInfo{kind: opRegisterWatch}, core.Exists{Path: m.selfPath, Watch: true})
}

func (m *Machine) onRegister(r core.Reply) {
	switch r.Code {
	case core.CodeOK:
		m.onRegistered()
	case core.CodeNodeExists, core.CodeConnectionLoss:
		m.issue(opInfo{kind: opRegisterCheck}, core.GetData{Path: m.selfPath})
	default:
		// NoNode: a parent is missing; SessionExpired: an Expired follows.
		if r.Code == core.CodeNoNode {
			for _, p := range m.cfg.Layout.Parents() {
				m.issue(opInfo{kind: opEnsure}, core.Create{Path: p, Mode: core.Persistent})
			}
		}
		m.registerFailed()
	}
}

// onRegisterCheck decides on a node that exists at our path: ours (an
// earlier create whose reply was lost) or an earlier session's, not yet
// expired, which is deleted so that ours can be made (STORM-1451).
func (m *Machine) onRegisterCheck(r core.Reply) {
	switch {
	case r.Code == core.CodeOK && r.Stat.EphemeralOwner == m.session:
		m.onRegistered()
	case m.registerAttempts >= registerAttemptsMax:
		m.stats.RegisterConflicts++
		m.registerFailed()
	case r.Code == core.CodeOK:
		m.stats.StaleRegistrations++
		m.issue(opInfo{kind: opRegisterDelete}, core.Delete{Path: m.selfPath, Version: r.Stat.Version})
	case r.Code == core.CodeNoNode:
		m.registering = false
		m.register()
	default:
		m.registerFailed()
	}
}

func (m *Machine) onRegisterDelete(r core.Reply) {
	switch r.Code {
	case core.CodeOK, core.CodeNoNode:
		m.registering = false
		m.register()
	case core.CodeBadVersion:
		m.issue(opInfo{kind: opRegisterCheck}, core.GetData{Path: m.selfPath})
	default:
		m.registerFailed()
	}
}

// readLeader reads the leader node and arms a watch on it, whether or not
// it exists (Exists arms one either way; GetData only on a node).
func (m *Machine) readLeader() {
	if m.session == 0 {
		return
	}
	m.issue(opInfo{kind: opLeaderExists}, core.Exists{Path: m.leaderPath, Watch: true})
	m.issue(opInfo{kind: opLeaderGet}, core.GetData{Path: m.leaderPath})
}

func (m *Machine) onLeader(r core.Reply) {
	var leader core.NodeID
	switch r.Code {
	case core.CodeOK:
		var mem election.Member
		if err := json.Unmarshal(r.Data, &mem); err != nil || mem.ID == "" {
			m.stats.CorruptLeader++
			return // keep heartbeating whom we knew
		}
		leader = mem.ID
	case core.CodeNoNode:
		leader = "" // no leader: heartbeats pause, workers run on
	default:
		return // unknown: keep what we know
	}
	if leader == m.leader {
		return
	}
	m.leader = leader
	if leader != "" {
		m.heartbeat() // a new leader learns at once what runs here
	}
}

// onWatch re-reads what a watch says changed.
func (m *Machine) onWatch(ev core.WatchFired) {
	if m.session == 0 {
		return
	}
	dir := m.cfg.Layout.Assignments()
	switch {
	case ev.Path == m.leaderPath:
		m.readLeader()
	case ev.Path == m.selfPath:
		if ev.Type == core.NodeDeleted {
			m.registered = false
			m.register()
		} else {
			m.issue(opInfo{kind: opRegisterWatch}, core.Exists{Path: m.selfPath, Watch: true})
		}
	case ev.Path == dir || strings.HasPrefix(ev.Path, dir+"/"):
		m.sync()
	}
}
