package nimbus

import (
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

func (m *Machine) submit(w *waiter, req protocol.ClientRequest) {
	spec, err := topology.Decode(req.Spec)
	if err != nil {
		m.fail(w, "nimbus: submit: %v", err)
		return
	}
	if req.Topology != "" && req.Topology != spec.Name {
		m.fail(w, "nimbus: submit: request names %q but the spec names %q", req.Topology, spec.Name)
		return
	}
	if t := m.named(spec.Name); t != nil && t.rec.ID == "" {
		// Another submit's create is in flight, or its outcome is being
		// re-read: "already exists" would claim a topology that might never
		// exist.
		m.fail(w, "nimbus: submit: topology %q has an operation in flight; retry", spec.Name)
		return
	}
	if m.named(spec.Name) != nil {
		m.fail(w, "nimbus: submit: topology %q already exists", spec.Name)
		return
	}
	if len(m.topos) >= topologiesMax {
		m.fail(w, "nimbus: submit: %d topologies is the limit", topologiesMax)
		return
	}
	if err := m.fitsSomeSupervisor(spec); err != nil {
		m.fail(w, "nimbus: submit: %v", err)
		return
	}
	data, err := topology.Encode(spec)
	core.Assert(err == nil, "encode a decoded topology: %v", err)
	if req.Artifact != "" && !protocol.ValidDigest(req.Artifact) {
		m.fail(w, "nimbus: submit: artifact digest %q is not a lower-case hex sha256", req.Artifact)
		return
	}
	id := m.newTopologyID(spec.Name)
	rec := protocol.TopologyRecord{ID: id, Name: spec.Name, Spec: data, Status: protocol.StatusActive,
		Artifact: req.Artifact, Owner: req.Owner, SubmittedNs: m.now}
	if m.fenced(op{kind: opTopoWrite, id: string(id), what: protocol.OpSubmit, client: w, rec: &rec},
		core.Create{Path: m.cfg.Layout.Topology(id), Data: protocol.Encode(rec), Mode: core.Persistent}) {
		t := m.topo(id) // a placeholder until the record is written
		t.writing, t.creating = true, spec.Name
	}
}

// change applies kill, activate, deactivate or rebalance to a topology record.
func (m *Machine) change(w *waiter, req protocol.ClientRequest) {
	t := m.byName(req.Topology)
	if t == nil {
		m.fail(w, "nimbus: %s: unknown topology %q", req.Op, req.Topology)
		return
	}
	if t.writing || t.reread {
		m.fail(w, "nimbus: %s: topology %q has an operation in flight; retry", req.Op, req.Topology)
		return
	}
	if req.Wait < 0 {
		// Taken for zero, it would kill at once what was meant to drain.
		m.fail(w, "nimbus: %s: wait %v is negative", req.Op, req.Wait)
		return
	}
	if t.corrupt {
		m.changeCorrupt(w, t, req)
		return
	}
	rec, err := m.changed(t, req)
	if err != nil {
		m.fail(w, "nimbus: %s: %v", req.Op, err)
		return
	}
	o := op{kind: opTopoWrite, id: string(rec.ID), what: req.Op, client: w, rec: &rec}
	if req.Op == protocol.OpRebalance {
		spec, err := rebalanced(t.spec, req.Workers, req.Parallelism)
		core.Assert(err == nil, "a rebalance changed accepted: %v", err)
		o.note = m.rebalanceForecast(t, spec)
	}
	if m.cfg.TestOnly.AckBeforeWrite {
		o.client = nil // answered now, whatever becomes of the write
		m.reply(w.from, protocol.ClientReply{ID: w.id, OK: true})
	}
	t.writing = m.fenced(o,
		core.SetData{Path: m.cfg.Layout.Topology(rec.ID), Data: protocol.Encode(rec), Version: t.version})
}

// changeCorrupt applies a client's change to a topology whose record cannot
// be read: a kill removes it at once (its spouts cannot be told to drain
// through a record nobody can read), anything else is refused.
func (m *Machine) changeCorrupt(w *waiter, t *topo, req protocol.ClientRequest) {
	if req.Op != protocol.OpKill {
		m.fail(w, "nimbus: %s: topology %q has a corrupt record (%s); only kill applies", req.Op, req.Topology, t.reason)
		return
	}
	m.remove(t, w)
}

type lifecycleError string

func (e lifecycleError) Error() string { return string(e) }

// changed returns the record after req, or why req is refused.
func (m *Machine) changed(t *topo, req protocol.ClientRequest) (protocol.TopologyRecord, error) {
	rec := t.rec
	if rec.Status == protocol.StatusKilled {
		return rec, lifecycleError("topology " + rec.Name + " is being killed")
	}
	switch req.Op {
	case protocol.OpActivate, protocol.OpDeactivate:
		if rec.Status == protocol.StatusRebalancing {
			return rec, lifecycleError("topology " + rec.Name + " is rebalancing")
		}
		rec.Status = protocol.StatusActive
		if req.Op == protocol.OpDeactivate {
			rec.Status = protocol.StatusInactive
		}
	case protocol.OpKill:
		rec.Pending = &protocol.Pending{Kind: protocol.OpKill, Wait: waitOf(t, req)}
		rec.Status = protocol.StatusKilled
	case protocol.OpRebalance:
		if rec.Status == protocol.StatusRebalancing {
			return rec, lifecycleError("topology " + rec.Name + " is already rebalancing")
		}
		if _, err := rebalanced(t.spec, req.Workers, req.Parallelism); err != nil {
			return rec, err
		}
		rec.Pending = &protocol.Pending{Kind: protocol.OpRebalance, Wait: waitOf(t, req),
			Workers: req.Workers, Parallelism: req.Parallelism, Previous: rec.Status}
		rec.Status = protocol.StatusRebalancing
	}
	return rec, nil
}

// waitOf is a kill's or rebalance's wait: the one asked for, or by
// default, as in Storm, the topology's message timeout, so that the trees
// in flight when the spouts stop can complete.
func waitOf(t *topo, req protocol.ClientRequest) time.Duration {
	if req.DefaultWait && t.spec != nil {
		return t.spec.Config.MessageTimeout
	}
	return max(req.Wait, 0)
}

// rebalanced applies a rebalance's new worker count and parallelism.
func rebalanced(spec *topology.Topology, workers int, parallelism map[string]int) (*topology.Topology, error) {
	out := spec
	var err error
	if workers > 0 {
		if out, err = topology.WithWorkers(out, workers); err != nil {
			return nil, err
		}
	}
	for _, comp := range sortedKeys(parallelism) {
		if out, err = topology.WithParallelism(out, comp, parallelism[comp]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (m *Machine) onTopoWrite(o op, r core.Reply) {
	t := m.topos[core.TopologyID(o.id)]
	core.Assert(t != nil && t.writing, "topology write result for %s without a write", o.id)
	t.writing = false
	if r.Code == core.CodeConnectionLoss {
		// It may have applied: the re-read tells, and answers the client.
		t.reread, t.await, t.awaitReads = true, &o, 0
		return
	}
	if r.Code != core.CodeOK {
		if !m.writeFailed(o, r) {
			t.reread = true // ZooKeeper holds a record the view does not: learn it
		}
		return
	}
	if t.rec.ID == "" { // created: a new record has no errors record yet
		t.errs.known, t.errs.version = true, -1
	}
	spec, err := topology.Decode(o.rec.Spec)
	core.Assert(err == nil, "decode a record this nimbus wrote: %v", err)
	m.topoWritten(o, t, *o.rec, spec, r.Multi[1].Stat.Version)
}

// topoWritten takes a topology record write that applied into the view and
// answers its client.
func (m *Machine) topoWritten(o op, t *topo, rec protocol.TopologyRecord, spec *topology.Topology, version int32) {
	t.rec, t.spec, t.version = rec, spec, version
	m.logChange(o.what, rec, spec.Config.Workers)
	t.deadline = 0
	if t.rec.Pending != nil {
		t.deadline = m.now.Add(t.rec.Pending.Wait)
	}
	m.dirty = true
	if o.client != nil {
		sums := m.summaries(o.id)
		if o.note != "" && len(sums) == 1 {
			sums[0].Reason = o.note
		}
		m.reply(o.client.from, protocol.ClientReply{ID: o.client.id, OK: true, Topologies: sums})
	}
	due := t.rec.Pending != nil && m.now >= t.deadline // a wait of 0: the tick acts at once anyway
	if t.assign != nil && t.assign.Status != t.rec.Status && !due {
		m.reschedule() // the workers learn the status now, not at the next monitor tick
	}
}

// writeFailed explains a failed fenced write to the client waiting for it.
// When the fence refused the write, this nimbus's election node is gone:
// it stops leading at once, rather than keep writing in vain until it hears
// of its session's expiry (or forever, if its node was deleted by hand), and
// reports true: the caller's leader state is gone.
func (m *Machine) writeFailed(o op, r core.Reply) (fencedOut bool) {
	why := r.Code.String()
	fencedOut = len(r.Multi) > 0 && r.Multi[0].Code == core.CodeNoNode
	if fencedOut {
		m.stats.FencedOut++
		why = "leadership lost"
	} else if r.Code == core.CodeNodeExists {
		why = "already exists"
	}
	if o.client != nil {
		m.fail(o.client, "nimbus: write of %s failed: %s", o.id, why)
	}
	if fencedOut {
		m.cand.Fenced()
		m.resetLeader("fenced out: a write found this nimbus's election node gone")
	}
	return fencedOut
}

// checkDeadlines carries out kills and rebalances whose wait has passed.
func (m *Machine) checkDeadlines() {
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if t.rec.Pending == nil || t.writing || m.now < t.deadline {
			continue
		}
		switch t.rec.Pending.Kind {
		case protocol.OpKill:
			m.remove(t, nil)
		case protocol.OpRebalance:
			m.finishRebalance(t)
		}
	}
}

// remove deletes a killed topology's assignment and record in one fenced
// multi; w, when not nil, is the client waiting for it.
func (m *Machine) remove(t *topo, w *waiter) {
	if len(t.doubt) > 0 {
		// An assignment write's outcome is unknown: removing the record
		// alone could leave that assignment behind, holding its slots.
		// Settle it first; the next pass removes both.
		m.issue(op{kind: opAssignGet, id: string(t.rec.ID)}, core.GetData{Path: m.cfg.Layout.Assignment(t.rec.ID)})
		if w != nil {
			m.fail(w, "nimbus: kill: topology %q has an assignment write in doubt; retry", t.rec.ID)
		}
		return
	}
	if !t.errs.settled() {
		// Its errors record must go with it: the next pass, once known.
		if !t.errs.known && !t.errs.reading && !t.errs.writing {
			m.readErrors(t)
		}
		if w != nil {
			m.fail(w, "nimbus: kill: topology %q has its errors record being read; retry", t.rec.ID)
		}
		return
	}
	ops := []core.Request{}
	if t.assign != nil {
		ops = append(ops, core.Delete{Path: m.cfg.Layout.Assignment(t.rec.ID), Version: core.AnyVersion})
	}
	if t.errs.version >= 0 {
		ops = append(ops, core.Delete{Path: m.cfg.Layout.Errors(t.rec.ID), Version: core.AnyVersion})
	}
	ops = append(ops, core.Delete{Path: m.cfg.Layout.Topology(t.rec.ID), Version: t.version})
	t.writing = m.fenced(op{kind: opRemove, id: string(t.rec.ID), client: w}, ops...)
}

func (m *Machine) onRemove(o op, r core.Reply) {
	t := m.topos[core.TopologyID(o.id)]
	core.Assert(t != nil, "remove result for unknown %s", o.id)
	t.writing = false
	if r.Code != core.CodeOK {
		if !m.writeFailed(o, r) {
			t.reread = true
		}
		return
	}
	m.dropMetrics(t, nil)
	delete(m.topos, core.TopologyID(o.id))
	m.dirty = true
	m.log(core.LogInfo, "nimbus: topology removed", "topology", o.id)
	if o.client != nil {
		m.reply(o.client.from, protocol.ClientReply{ID: o.client.id, OK: true, Topologies: []protocol.TopologySummary{
			{ID: core.TopologyID(o.id), Name: protocol.TopologyName(core.TopologyID(o.id)), Status: protocol.StatusKilled}}})
	}
}

func (m *Machine) finishRebalance(t *topo) {
	p := t.rec.Pending
	spec, err := rebalanced(t.spec, p.Workers, p.Parallelism)
	if err != nil { // validated at request time; the cluster cannot change that
		spec = t.spec
		m.stats.Rejected++
	}
	rec := t.rec
	data, err := topology.Encode(spec)
	core.Assert(err == nil, "encode a validated topology: %v", err)
	rec.Spec, rec.Status, rec.Pending = data, p.Previous, nil
	t.writing = m.fenced(op{kind: opTopoWrite, id: string(rec.ID), what: "rebalance-done", rec: &rec},
		core.SetData{Path: m.cfg.Layout.Topology(rec.ID), Data: protocol.Encode(rec), Version: t.version})
	t.rebalance = t.rebalance || t.writing
}
