package nimbus

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

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
	t := m.byName(name)
	if t == nil {
		m.fail(w, "nimbus: unknown topology %q", name)
		return
	}
	sums := m.summaries(string(t.rec.ID))
	for i := range sums {
		m.addDetail(&sums[i])
		m.addMetrics(&sums[i], true)
		m.addErrors(&sums[i])
	}
	m.reply(w.from, protocol.ClientReply{ID: w.id, OK: true, Topologies: sums})
}

// addDetail puts the spec and the workers, with how long each has held its
// slot, in a status summary.
func (m *Machine) addDetail(s *protocol.TopologySummary) {
	t := m.topos[s.ID]
	if t == nil {
		return
	}
	s.Spec = t.rec.Spec
	if t.assign == nil {
		return
	}
	for _, wa := range t.assign.Workers {
		s.WorkerList = append(s.WorkerList, protocol.WorkerSummary{WorkerAssignment: wa,
			UptimeSecs: m.secsSince(t.assignedAt[slot{wa.Supervisor, wa.Port}])})
	}
}

// secsSince is how many whole seconds ago at was, by this nimbus's clock.
func (m *Machine) secsSince(at core.Time) int64 {
	return int64(max(0, m.now.Sub(at)) / time.Second)
}

// addMetrics aggregates the metrics the topology's workers last reported,
// in total and, with components, per component with each task's own.
// Heartbeats bring them, never ZooKeeper.
func (m *Machine) addMetrics(s *protocol.TopologySummary, components bool) {
	t := m.topos[s.ID]
	if t == nil || t.assign == nil {
		return
	}
	byComp := map[string]*protocol.ComponentSummary{}
	for _, w := range t.assign.Workers {
		uptime := m.secsSince(t.assignedAt[slot{w.Supervisor, w.Port}])
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
			c.TaskStats = append(c.TaskStats, protocol.TaskStats{Task: tm.Task, Supervisor: w.Supervisor,
				Host: w.Host, Port: w.Port, UptimeSecs: uptime, Last10m: tm.Last10m, Last3h: tm.Last3h,
				Last1d: tm.Last1d, AllTime: tm.AllTime})
		}
	}
	if !components {
		return
	}
	for _, name := range sortedKeys(byComp) {
		c := byComp[name]
		slices.SortFunc(c.TaskStats, func(a, b protocol.TaskStats) int { return cmp.Compare(a.Task, b.Task) })
		s.Components = append(s.Components, *c)
	}
}

// summaries lists topologies sorted by id, all or the one with this id.
func (m *Machine) summaries(id string) []protocol.TopologySummary {
	ids := m.topologyIDs()
	out := []protocol.TopologySummary{}
	for _, tid := range ids {
		t := m.topos[tid]
		if t.rec.ID == "" || (id != "" && string(tid) != id) || (t.corrupt && m.cfg.TestOnly.HideCorrupt) {
			continue
		}
		out = append(out, m.summary(t))
	}
	return out
}

// summary is one topology's line: its state, size and resources.
func (m *Machine) summary(t *topo) protocol.TopologySummary {
	s := protocol.TopologySummary{ID: t.rec.ID, Name: t.rec.Name, Status: t.rec.Status, Reason: t.reason,
		Artifact: t.rec.Artifact, Owner: t.rec.Owner}
	if t.rec.SubmittedNs != 0 {
		s.UptimeSecs = m.secsSince(t.rec.SubmittedNs)
	}
	if t.spec != nil {
		s.Executors, s.Requested = demandOf(t.spec)
	}
	if t.assign != nil {
		s.Epoch = t.assign.Epoch
		s.Workers = len(t.assign.Workers)
		for _, wa := range t.assign.Workers {
			s.Tasks += len(wa.Tasks)
			s.Assigned = protocol.Resources(topology.Resources(s.Assigned).Add(topology.Resources(wa.Resources)))
		}
	}
	return s
}

// demandOf is a topology's executors (every component's parallelism,
// ackers included) and what its tasks ask for.
func demandOf(spec *topology.Topology) (executors int, demand protocol.Resources) {
	executors = len(topology.Executors(spec))
	var sum topology.Resources
	for _, task := range topology.Tasks(spec) {
		sum = sum.Add(task.Resources)
	}
	return executors, protocol.Resources(sum)
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
			Address: info.Address, Slots: len(info.Slots), Capacity: info.Capacity,
			UptimeSecs: m.secsSince(m.supSince[id])})
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
		if t.spec != nil {
			n, _ := demandOf(t.spec)
			c.Executors += n
		}
		if t.assign == nil {
			continue
		}
		for _, wa := range t.assign.Workers {
			c.Tasks += len(wa.Tasks)
			if s := byID[wa.Supervisor]; s != nil {
				s.UsedSlots++
				s.Used = protocol.Resources(topology.Resources(s.Used).Add(topology.Resources(wa.Resources)))
				c.UsedSlots++
			}
		}
	}
	return c
}
