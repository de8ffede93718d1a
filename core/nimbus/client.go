package nimbus

import (
	"fmt"
	"maps"
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

// waiter is a client waiting for the outcome of a write.
type waiter struct {
	from core.NodeID
	id   uint64
	verb string // the request's operation, for the messages it gets
}

func (m *Machine) reply(to core.NodeID, r protocol.ClientReply) {
	if !r.OK {
		m.stats.Rejected++
	}
	m.out = append(m.out, core.Send{To: to, Payload: protocol.EncodeMessage(r)})
}

// fail refuses a client's request, and logs the refusal and its reason.
func (m *Machine) fail(w *waiter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	m.log(core.LogInfo, "nimbus: request refused", "client", string(w.from), "op", w.verb, "error", msg)
	m.reply(w.from, protocol.ClientReply{ID: w.id, Error: msg})
}

// failClients answers every client still waiting with an error: those
// whose request is in flight, then those waiting for a re-read.
func (m *Machine) failClients(msg string) {
	ids := make([]core.OpID, 0, len(m.ops))
	for id, o := range m.ops {
		if o.client != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		m.fail(m.ops[id].client, "%s", msg)
	}
	for _, id := range m.topologyIDs() {
		if a := m.topos[id].await; a != nil && a.client != nil {
			m.fail(a.client, "%s", msg)
		}
	}
}

func (m *Machine) onRecv(ev core.Recv) {
	msg, err := protocol.DecodeMessage(ev.Payload)
	if err != nil {
		m.stats.Corrupt++
		return
	}
	switch msg := msg.(type) {
	case protocol.ClientRequest:
		m.onClient(ev.From, msg)
	case protocol.SupervisorHeartbeat:
		m.onSupervisorHeartbeat(msg)
	case protocol.ArtifactsReady:
		if ev.From == protocol.LocalArtifacts && m.cfg.RequireArtifacts {
			m.cand.SetEligible(msg.Ready)
		}
	default:
		m.stats.Corrupt++
	}
}

func (m *Machine) onClient(from core.NodeID, req protocol.ClientRequest) {
	w := &waiter{from: from, id: req.ID, verb: req.Op}
	if m.leading && m.suspended && !m.cfg.TestOnly.AnswerSuspended && !m.cfg.TestOnly.Unfenced {
		m.reply(from, protocol.ClientReply{ID: req.ID, NotLeader: true,
			Error: "nimbus: disconnected from ZooKeeper, leadership uncertain; retry"})
		return
	}
	if !m.leading {
		leader := m.cand.Leader()
		if leader == m.cfg.ID {
			leader = "" // leading but still loading: the client retries here
		}
		m.reply(from, protocol.ClientReply{ID: req.ID, NotLeader: true, Leader: leader,
			Error: "nimbus: not the leader"})
		return
	}
	switch req.Op {
	case protocol.OpList:
		sums := m.summaries("")
		for i := range sums {
			m.addMetrics(&sums[i], false) // the windows' totals; status adds components
		}
		m.reply(from, protocol.ClientReply{ID: req.ID, OK: true, Topologies: sums})
	case protocol.OpStatus:
		m.status(w, req.Topology)
	case protocol.OpCluster:
		c := m.clusterSummary()
		m.reply(from, protocol.ClientReply{ID: req.ID, OK: true, Cluster: &c})
	case protocol.OpSubmit:
		m.submit(w, req)
	case protocol.OpKill, protocol.OpActivate, protocol.OpDeactivate, protocol.OpRebalance:
		m.change(w, req)
	default:
		m.fail(w, "nimbus: unknown operation %q", req.Op)
	}
}

func (m *Machine) status(w *waiter, name string) {
	if m.byName(name) == nil {
		m.fail(w, "nimbus: unknown topology %q", name)
		return
	}
	sums := m.summaries(name)
	for i := range sums {
		m.addMetrics(&sums[i], true)
		m.addErrors(&sums[i])
	}
	m.reply(w.from, protocol.ClientReply{ID: w.id, OK: true, Topologies: sums})
}

// addMetrics aggregates the metrics the topology's workers last reported,
// in total and, with components, per component. Heartbeats bring them,
// never ZooKeeper.
func (m *Machine) addMetrics(s *protocol.TopologySummary, components bool) {
	t := m.topos[s.ID]
	if t == nil || t.assign == nil {
		return
	}
	byComp := map[string]*protocol.ComponentSummary{}
	for _, w := range t.assign.Workers {
		for _, tm := range m.metrics[slot{w.Supervisor, w.Port}] {
			c := byComp[tm.Component]
			if c == nil {
				c = &protocol.ComponentSummary{Name: tm.Component}
				byComp[tm.Component] = c
			}
			c.Tasks++
			c.Last10m, c.AllTime = c.Last10m.Add(tm.Last10m), c.AllTime.Add(tm.AllTime)
			c.Last3h, c.Last1d = c.Last3h.Add(tm.Last3h), c.Last1d.Add(tm.Last1d)
			s.Last10m, s.AllTime = s.Last10m.Add(tm.Last10m), s.AllTime.Add(tm.AllTime)
			s.Last3h, s.Last1d = s.Last3h.Add(tm.Last3h), s.Last1d.Add(tm.Last1d)
		}
	}
	if !components {
		return
	}
	for _, name := range sortedKeys(byComp) {
		s.Components = append(s.Components, *byComp[name])
	}
}

// byName finds a topology by its name (ids are names in Squall).
func (m *Machine) byName(name string) *topo {
	t := m.topos[core.TopologyID(name)]
	if t == nil || t.rec.ID == "" || (t.corrupt && m.cfg.TestOnly.HideCorrupt) {
		return nil
	}
	return t
}

// summaries lists topologies sorted by id, all or the one named.
func (m *Machine) summaries(name string) []protocol.TopologySummary {
	ids := m.topologyIDs()
	out := []protocol.TopologySummary{}
	for _, id := range ids {
		t := m.topos[id]
		if t.rec.ID == "" || (name != "" && string(id) != name) || (t.corrupt && m.cfg.TestOnly.HideCorrupt) {
			continue
		}
		s := protocol.TopologySummary{ID: id, Name: t.rec.Name, Status: t.rec.Status, Reason: t.reason,
			Artifact: t.rec.Artifact, Owner: t.rec.Owner}
		if t.assign != nil {
			s.Epoch = t.assign.Epoch
			s.Workers = len(t.assign.Workers)
			for _, wa := range t.assign.Workers {
				s.Tasks += len(wa.Tasks)
			}
		}
		out = append(out, s)
	}
	return out
}

func (m *Machine) topologyIDs() []core.TopologyID {
	ids := make([]core.TopologyID, 0, len(m.topos))
	for id := range m.topos {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// clusterSummary is the leader's view of its supervisors and their slots.
func (m *Machine) clusterSummary() protocol.ClusterSummary {
	c := protocol.ClusterSummary{Leader: m.cfg.ID, Supervisors: []protocol.SupervisorSummary{}}
	byID := map[core.SupervisorID]*protocol.SupervisorSummary{}
	for _, id := range slices.Sorted(maps.Keys(m.supervisors)) {
		info := m.supervisors[id]
		c.Supervisors = append(c.Supervisors, protocol.SupervisorSummary{ID: id, Host: info.Host,
			Address: info.Address, Slots: len(info.Slots), Capacity: info.Capacity})
		c.Slots += len(info.Slots)
	}
	for i := range c.Supervisors {
		byID[c.Supervisors[i].ID] = &c.Supervisors[i]
	}
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if t.rec.ID == "" {
			continue
		}
		c.Topologies++
		if t.assign == nil {
			continue
		}
		for _, wa := range t.assign.Workers {
			if s := byID[wa.Supervisor]; s != nil {
				s.UsedSlots++
				s.Used = protocol.Resources(topology.Resources(s.Used).Add(topology.Resources(wa.Resources)))
				c.UsedSlots++
			}
		}
	}
	return c
}
