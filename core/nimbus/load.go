package nimbus

import (
	"fmt"
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

type opKind uint8

const (
	opEnsure opKind = iota + 1
	opTopoChildren
	opTopoGet
	opAssignChildren
	opAssignGet
	opSupChildren
	opSupGet
	opTopoWrite
	opAssignWrite
	opRemove
	opTopoReread
	opErrorsRead
	opErrorsWrite
)

// op is a request in flight: what it was for, and who waits for its answer.
type op struct {
	kind   opKind
	id     string // topology or supervisor id
	what   string // opTopoWrite: the change, for the log
	note   string // opTopoWrite: told the client with its OK, as the summary's Reason
	client *waiter
	assign *protocol.Assignment // opAssignWrite: what was written
	rec    *protocol.TopologyRecord
}

func (m *Machine) issue(o op, req core.Request) {
	core.Assert(len(m.ops) < opsMax, "%s: more than %d requests in flight", m.cfg.ID, opsMax)
	id := m.seq.Next()
	m.ops[id] = o
	m.out = append(m.out, core.Coord{Op: id, Req: req})
}

// fenced issues a multi that first checks the leader's election node.
func (m *Machine) fenced(o op, ops ...core.Request) bool {
	check, ok := m.cand.Fence()
	if !ok {
		// Leading, but without an election node for the moment (the
		// election re-enrolls): nothing can be written yet.
		if o.client != nil {
			m.fail(o.client, "nimbus: leadership is being re-established; retry")
		}
		return false
	}
	if m.cfg.TestOnly.Unfenced {
		check = core.Check{Path: m.cfg.Layout.Base(), Version: core.AnyVersion}
	}
	m.issue(o, core.Multi{Ops: append([]core.Request{check}, ops...)})
	return true
}

// startLoad reads the whole cluster state when this nimbus becomes leader.
func (m *Machine) startLoad() {
	m.log(core.LogInfo, "nimbus: elected; loading the cluster state")
	m.stats.Takeovers++
	m.loadWait = 3
	for _, p := range m.cfg.Layout.Parents() {
		m.issue(op{kind: opEnsure}, core.Create{Path: p, Mode: core.Persistent})
	}
	m.issue(op{kind: opTopoChildren}, core.Children{Path: m.cfg.Layout.Topologies()})
	m.issue(op{kind: opAssignChildren}, core.Children{Path: m.cfg.Layout.Assignments()})
	m.issue(op{kind: opSupChildren}, core.Children{Path: m.cfg.Layout.Supervisors(), Watch: true})
}

func (m *Machine) loadDone() {
	if m.loadWait < 0 {
		return
	}
	m.loadWait--
	if m.loadWait > 0 {
		return
	}
	if m.loadFailed {
		// A read went unanswered (ConnectionLoss): acting on an incomplete
		// view would forget topologies and delete their assignments as
		// orphans. Drop it; the election's next step starts a new load.
		m.log(core.LogWarn, "nimbus: takeover read unanswered; loading again")
		m.resetLeader("")
		return
	}
	m.loadWait = -1
	m.leading = true
	m.dropOrphans()
	// Grace: every worker counts as alive for its timeout from now, so a
	// failover reschedules nothing healthy (STORM-3984).
	m.leaderSince = m.now
	for _, t := range m.topos {
		if t.rec.Pending != nil {
			t.deadline = m.now.Add(t.rec.Pending.Wait)
		}
	}
	m.dirty = true
	m.nextMonitor = m.now
	m.log(core.LogInfo, "nimbus: leadership gained", "topologies", itoa(len(m.topos)),
		"supervisors", itoa(len(m.supervisors)))
}

func (m *Machine) readSupervisors() {
	if m.loadWait >= 0 {
		m.loadWait++
	}
	m.issue(op{kind: opSupChildren}, core.Children{Path: m.cfg.Layout.Supervisors(), Watch: true})
}

// onLoadResult handles the reads of the cluster state.
func (m *Machine) onLoadResult(o op, r core.Reply) {
	if m.loadWait >= 0 && !loadAnswered(o.kind, r.Code) {
		m.loadFailed = true
	}
	switch o.kind {
	case opTopoChildren:
		m.readEach(r, opTopoGet, m.cfg.Layout.Topology)
	case opAssignChildren:
		m.readEach(r, opAssignGet, m.cfg.Layout.Assignment)
	case opSupChildren:
		m.onSupervisorList(r)
	case opTopoGet:
		m.onTopologyRead(o.id, r)
	case opAssignGet:
		m.onAssignmentRead(o.id, r)
	case opSupGet:
		m.onSupervisorRead(o.id, r)
	}
	m.loadDone()
}

// loadAnswered reports whether a load read learned what it asked: a
// listing must succeed; a node may have gone since it was listed.
func loadAnswered(kind opKind, code core.Code) bool {
	switch kind {
	case opTopoGet, opAssignGet, opSupGet:
		return code == core.CodeOK || code == core.CodeNoNode
	}
	return code == core.CodeOK
}

func (m *Machine) readEach(r core.Reply, kind opKind, path func(core.TopologyID) string) {
	if r.Code != core.CodeOK {
		return
	}
	for _, name := range r.Children[:min(len(r.Children), topologiesMax)] {
		if m.loadWait >= 0 {
			m.loadWait++
		}
		m.issue(op{kind: kind, id: name}, core.GetData{Path: path(core.TopologyID(name))})
	}
}

func (m *Machine) onSupervisorList(r core.Reply) {
	if r.Code != core.CodeOK {
		// The listing, and the watch it sets, may not have reached the
		// server: without them every later change would go unseen.
		m.relist = true
		return
	}
	present := r.Children[:min(len(r.Children), supervisorsMax)]
	for id := range m.supervisors {
		if !slices.Contains(present, string(id)) {
			if _, ok := m.vanished[id]; !ok {
				m.vanished[id] = m.now // lost after SupervisorGrace, unless it returns
			}
		} else {
			delete(m.vanished, id)
		}
	}
	for _, name := range present {
		if _, ok := m.supervisors[core.SupervisorID(name)]; ok {
			continue
		}
		if m.loadWait >= 0 {
			m.loadWait++
		}
		m.issue(op{kind: opSupGet, id: name}, core.GetData{Path: m.cfg.Layout.Supervisor(core.SupervisorID(name))})
	}
}

func (m *Machine) onSupervisorRead(id string, r core.Reply) {
	if r.Code != core.CodeOK {
		m.relist = m.relist || r.Code != core.CodeNoNode // read it again
		return
	}
	info, err := protocol.DecodeSupervisor(r.Data)
	if err != nil || string(info.ID) != id || !schedulable(info) {
		m.stats.Corrupt++
		return
	}
	m.supervisors[info.ID] = info
	if _, ok := m.supSince[info.ID]; !ok {
		m.supSince[info.ID] = m.now
	}
	m.dirty = true
}

func (m *Machine) onTopologyRead(id string, r core.Reply) {
	if r.Code != core.CodeOK {
		return
	}
	rec, spec, err := decodeRecord(core.TopologyID(id), r.Data)
	if err != nil {
		m.markCorrupt(m.topo(core.TopologyID(id)), core.TopologyID(id), r.Stat.Version, err)
		return
	}
	t := m.topo(rec.ID)
	t.rec, t.version, t.spec = rec, r.Stat.Version, spec
}

// decodeRecord decodes the record of the topology znode named id, and its spec.
func decodeRecord(id core.TopologyID, data []byte) (protocol.TopologyRecord, *topology.Topology, error) {
	rec, err := protocol.DecodeTopology(data)
	if err != nil {
		return rec, nil, err
	}
	if rec.ID != id {
		return rec, nil, fmt.Errorf("%w: the record names topology %q", protocol.ErrBadRecord, rec.ID)
	}
	spec, err := topology.Decode(rec.Spec)
	if err != nil {
		return rec, nil, fmt.Errorf("%w: spec: %w", protocol.ErrBadRecord, err)
	}
	return rec, spec, nil
}

// markCorrupt records that a topology's znode exists but its record cannot
// be read (counted in Stats.Corrupt). Its id is the znode's name, so it is
// not hidden: list and status show it CORRUPT with the reason. It is never
// scheduled (its spec is unknown), yet its assignment stays and keeps its
// slots (see input): its workers may still run. A kill removes both znodes,
// which stops them; nothing else applies to it.
func (m *Machine) markCorrupt(t *topo, id core.TopologyID, version int32, err error) {
	m.stats.Corrupt++
	t.corrupt, t.version, t.spec, t.deadline = true, version, nil, 0
	t.rec = protocol.TopologyRecord{ID: id, Name: protocol.TopologyName(id), Status: protocol.StatusCorrupt}
	t.reason = "record unreadable: " + err.Error()
	m.dirty = true
	m.log(core.LogWarn, "nimbus: topology record unreadable; shown as CORRUPT, its slots kept until a kill",
		"topology", string(id), "err", err.Error())
}

func (m *Machine) onAssignmentRead(id string, r core.Reply) {
	if t := m.topos[core.TopologyID(id)]; t != nil && r.Code == core.CodeNoNode {
		t.doubt = nil // settled: no assignment holds a slot
	}
	if r.Code != core.CodeOK {
		return
	}
	a, err := protocol.DecodeAssignment(r.Data)
	if err != nil || string(a.Topology) != id {
		// Replace it at the next plan, at its version: a create would fail
		// with NodeExists at every plan. Its epoch is unreadable, but each
		// version of the node was written at a zxid of its own and raised the
		// epoch by one from 1, so no epoch it held exceeds its Mzxid.
		m.stats.Corrupt++
		m.log(core.LogWarn, "nimbus: assignment record unreadable; it is rewritten at the next plan", "topology", id)
		a = protocol.Assignment{Topology: core.TopologyID(id), Epoch: uint64(max(r.Stat.Mzxid, 0))}
	}
	t := m.topo(a.Topology)
	t.assign, t.assignVer, t.doubt = &a, r.Stat.Version, nil
	at := m.now
	if m.cfg.TestOnly.NoFailoverGrace {
		at = 0 // as if assigned at the dawn of time: no launch grace either
	}
	for _, w := range a.Workers {
		t.assignedAt[slot{w.Supervisor, w.Port}] = at
	}
}

// topo returns the topology's state, creating an empty one.
func (m *Machine) topo(id core.TopologyID) *topo {
	t := m.topos[id]
	if t == nil {
		t = &topo{assignVer: -1, assignedAt: map[slot]core.Time{}}
		m.topos[id] = t
	}
	return t
}
