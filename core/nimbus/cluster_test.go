package nimbus

import (
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// The cluster around the nimbuses: supervisors (a znode and heartbeats
// each), znodes written by hand, and the invariants every ZooKeeper state
// the nimbuses leave must satisfy.

// beat sends the heartbeats due: each supervisor with a period reports
// every worker its assignments place on it, alive unless listed dead, to
// every running nimbus (followers ignore them, as they would a stray one).
func (h *harness) beat() {
	for _, id := range sortedSupervisorIDs(h.sups) {
		s := h.sups[id]
		if s.every == 0 || h.now < s.nextBeat {
			continue
		}
		s.nextBeat = h.now.Add(s.every)
		hb := h.heartbeat(s)
		for _, p := range h.peers {
			if !p.crashed {
				p.inbox = append(p.inbox, core.Recv{From: s.info.Address, Payload: protocol.EncodeMessage(hb)})
			}
		}
	}
}

// heartbeat is what supervisor s reports: the workers ZooKeeper's
// assignments place on it.
func (h *harness) heartbeat(s *sup) protocol.SupervisorHeartbeat {
	hb := protocol.SupervisorHeartbeat{Supervisor: s.info.ID, Workers: []protocol.WorkerStatus{}}
	for _, name := range h.zk.ChildrenOf(h.layout.Assignments()) {
		data, _, _ := h.zk.Lookup(h.layout.Assignment(core.TopologyID(name)))
		a, err := protocol.DecodeAssignment(data)
		if err != nil {
			continue
		}
		for _, w := range a.WorkersOn(s.info.ID) {
			hb.Workers = append(hb.Workers, protocol.WorkerStatus{Topology: a.Topology, Port: w.Port,
				Epoch: a.Epoch, Alive: !slices.Contains(s.dead, w.Port)})
		}
	}
	return hb
}

// register creates a supervisor's ephemeral znode on a new session.
func (h *harness) register(id core.SupervisorID, data []byte) *sup {
	h.t.Helper()
	h.ensureParents()
	s := &sup{session: h.zk.OpenSession(h.now, harnessSessionTimeout)}
	if info, err := protocol.DecodeSupervisor(data); err == nil {
		s.info = info
	}
	path := h.layout.Supervisor(id)
	if r := h.zk.Apply(s.session, h.now, core.Create{Path: path, Data: data, Mode: core.Ephemeral}); r.Code != core.CodeOK {
		h.t.Fatalf("register %s: %s", id, r.Code)
	}
	h.sups[id] = s
	h.route()
	h.settle()
	return s
}

// unregister expires a supervisor's session: its znode goes.
func (h *harness) unregister(id core.SupervisorID) {
	h.t.Helper()
	s := h.sups[id]
	if s == nil {
		h.t.Fatalf("no supervisor %q", id)
	}
	h.zk.Expire(s.session)
	delete(h.sups, id)
	h.route()
	h.settle()
}

func (h *harness) ensureParents() {
	for _, p := range h.layout.Parents() {
		h.zk.Apply(h.admin, h.now, core.Create{Path: p, Mode: core.Persistent})
	}
}

// plant writes a znode by hand, as an operator or a corrupting bug would.
func (h *harness) plant(path string, data []byte) {
	h.t.Helper()
	h.ensureParents()
	h.planted[path] = true
	r := h.zk.Apply(h.admin, h.now, core.Create{Path: path, Data: data, Mode: core.Persistent})
	if r.Code == core.CodeNodeExists {
		r = h.zk.Apply(h.admin, h.now, core.SetData{Path: path, Data: data, Version: core.AnyVersion})
	}
	if r.Code != core.CodeOK {
		h.t.Fatalf("plant %s: %s", path, r.Code)
	}
	h.route()
}

// idOf is the id of the topology named name, as its record in ZooKeeper
// says (nimbus names topologies name-N-secs); name itself when it is an id
// or no record has that name.
func (h *harness) idOf(name string) core.TopologyID {
	if _, _, ok := h.zk.Lookup(h.layout.Topology(core.TopologyID(name))); ok {
		return core.TopologyID(name)
	}
	for _, id := range h.zk.ChildrenOf(h.layout.Topologies()) {
		data, _, _ := h.zk.Lookup(h.layout.Topology(core.TopologyID(id)))
		if rec, err := protocol.DecodeTopology(data); err == nil && rec.Name == name {
			return rec.ID
		}
		if protocol.TopologyName(core.TopologyID(id)) == name {
			return core.TopologyID(id) // a corrupt record: its name is in its id
		}
	}
	return core.TopologyID(name)
}

// assignment reads a topology's assignment from ZooKeeper.
func (h *harness) assignment(id core.TopologyID) (protocol.Assignment, bool) {
	h.t.Helper()
	id = h.idOf(string(id))
	data, _, ok := h.zk.Lookup(h.layout.Assignment(id))
	if !ok {
		return protocol.Assignment{}, false
	}
	a, err := protocol.DecodeAssignment(data)
	if err != nil {
		h.t.Fatalf("assignment of %s: %v", id, err)
	}
	return a, true
}

// record reads a topology's record from ZooKeeper.
func (h *harness) record(id core.TopologyID) (protocol.TopologyRecord, bool) {
	h.t.Helper()
	id = h.idOf(string(id))
	data, _, ok := h.zk.Lookup(h.layout.Topology(id))
	if !ok {
		return protocol.TopologyRecord{}, false
	}
	rec, err := protocol.DecodeTopology(data)
	if err != nil {
		h.t.Fatalf("record of %s: %v", id, err)
	}
	return rec, true
}

// checkZK asserts, after every request the model applied, what must hold
// of the znodes nimbuses write: an assignment decodes, its epoch grows with
// every write to its znode, and its topology has a record (they are created
// in that order and deleted together).
func (h *harness) checkZK() {
	h.t.Helper()
	for _, name := range h.zk.ChildrenOf(h.layout.Assignments()) {
		path := h.layout.Assignment(core.TopologyID(name))
		if h.planted[path] || h.planted[h.layout.Topology(core.TopologyID(name))] {
			continue
		}
		data, stat, _ := h.zk.Lookup(path)
		a, err := protocol.DecodeAssignment(data)
		if err != nil {
			h.t.Fatalf("%s: %s holds a bad assignment: %v", h.now, path, err)
		}
		if _, _, ok := h.zk.Lookup(h.layout.Topology(core.TopologyID(name))); !ok {
			h.t.Fatalf("%s: assignment %s without a topology record", h.now, path)
		}
		prev, seen := h.epochs[path]
		switch {
		case !seen || prev.czxid != stat.Czxid:
			if a.Epoch != 1 {
				h.t.Fatalf("%s: %s created with epoch %d, want 1", h.now, path, a.Epoch)
			}
		case prev.mzxid != stat.Mzxid && a.Epoch != prev.epoch+1:
			h.t.Fatalf("%s: %s rewritten with epoch %d after %d, want %d", h.now, path, a.Epoch, prev.epoch, prev.epoch+1)
		}
		h.epochs[path] = epochSeen{czxid: stat.Czxid, mzxid: stat.Mzxid, epoch: a.Epoch}
	}
}

// leaders returns the running nimbuses that lead.
func (h *harness) leaders() []core.NodeID {
	var ids []core.NodeID
	for _, p := range h.peers {
		if !p.crashed && p.m.IsLeader() {
			ids = append(ids, p.id)
		}
	}
	return ids
}

func sortedSupervisorIDs[V any](mp map[core.SupervisorID]V) []core.SupervisorID {
	ids := make([]core.SupervisorID, 0, len(mp))
	for id := range mp {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
