package nimbus

import (
	"cmp"
	"slices"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// Errors: workers send their tasks' newest errors in every heartbeat,
// supervisors forward them, and the leader merges them here, keeping the
// newest protocol.ErrorsPerComponentMax per component (Storm's 10) with
// the host and port they came from. Heartbeats never touch ZooKeeper, but
// the errors themselves are rare and bounded, and Storm keeps them in
// ZooKeeper so that they outlive both the worker that reported them and
// the nimbus that heard them: the leader writes each topology's to its
// errors record (protocol.ErrorsRecord, a child of the topology's record)
// at most once per errorsWritePeriod, fenced like every leader write; a
// new leader reads them back and merges what heartbeats bring. The kill
// deletes the record with the topology, in the same multi.

// errorsWritePeriod bounds how often the leader writes one topology's
// errors record, whatever the rate of errors.
const errorsWritePeriod = 5 * time.Second

// errorLog is the leader's state of one topology's errors.
type errorLog struct {
	byComp map[string][]protocol.TaskError // the newest per component, oldest first
	// known says whether version is ZooKeeper's: read, or written by this
	// leader; version is -1 when there is no errors record.
	known   bool
	version int32
	reading bool
	writing bool
	dirty   bool      // byComp holds errors the record lacks
	writeAt core.Time // the next write may go at or after this
}

// settled reports whether the errors record's state is known and no read
// or write of it is in flight: the topology may be removed.
func (l *errorLog) settled() bool { return l.known && !l.reading && !l.writing }

// mergeErrors takes the errors a supervisor reported for one worker of t.
// Errors naming a component the topology does not have are counted as
// corrupt, so the map stays as small as the topology.
func (m *Machine) mergeErrors(t *topo, host string, w protocol.WorkerStatus) {
	if len(w.Errors) == 0 || t.spec == nil {
		return
	}
	for _, e := range w.Errors[max(0, len(w.Errors)-protocol.HeartbeatErrorsMax):] {
		if _, ok := t.spec.Component(e.Component); !ok {
			m.stats.Corrupt++
			continue
		}
		e.Host, e.Port, e.AgeSecs = host, w.Port, 0
		t.errs.keep(e)
	}
}

// keep adds one error; it reports whether it was new.
func (l *errorLog) keep(e protocol.TaskError) bool {
	if l.byComp == nil {
		l.byComp = map[string][]protocol.TaskError{}
	}
	before := l.byComp[e.Component]
	after := keepError(before, e)
	if len(after) == len(before) && (len(after) == 0 || slices.Equal(after, before)) {
		return false
	}
	l.byComp[e.Component], l.dirty = after, true
	return true
}

// keepError adds e to a component's errors (oldest first) unless it is
// there already (every heartbeat repeats it), keeping the newest
// protocol.ErrorsPerComponentMax.
func keepError(kept []protocol.TaskError, e protocol.TaskError) []protocol.TaskError {
	i, found := slices.BinarySearchFunc(kept, e, compareErrors)
	if found {
		return kept
	}
	kept = slices.Clone(kept) // the caller compares before and after
	if len(kept) == protocol.ErrorsPerComponentMax {
		if i == 0 {
			return kept // older than all it keeps
		}
		kept = slices.Delete(kept, 0, 1)
		i--
	}
	return slices.Insert(kept, i, e)
}

// compareErrors orders errors by time, then where and by which task: a
// total order on what identifies a report.
func compareErrors(a, b protocol.TaskError) int {
	return cmp.Or(cmp.Compare(a.TimeNs, b.TimeNs), cmp.Compare(a.Host, b.Host), cmp.Compare(a.Port, b.Port),
		cmp.Compare(a.Task, b.Task), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.Error, b.Error))
}

// addErrors puts each component's errors, newest first with their age, in
// a status summary; a component with errors but no metrics (its workers
// are gone) gets a summary of its own.
func (m *Machine) addErrors(s *protocol.TopologySummary) {
	t := m.topos[s.ID]
	if t == nil || len(t.errs.byComp) == 0 {
		return
	}
	for _, name := range sortedKeys(t.errs.byComp) {
		i := slices.IndexFunc(s.Components, func(c protocol.ComponentSummary) bool { return c.Name == name })
		if i < 0 {
			s.Components = append(s.Components, protocol.ComponentSummary{Name: name})
			i = len(s.Components) - 1
		}
		kept := t.errs.byComp[name]
		out := make([]protocol.TaskError, 0, len(kept))
		for j := len(kept) - 1; j >= 0; j-- {
			e := kept[j]
			e.AgeSecs = int64(max(0, m.now.Sub(e.TimeNs)) / time.Second)
			out = append(out, e)
		}
		s.Components[i].Errors = out
	}
	slices.SortFunc(s.Components, func(a, b protocol.ComponentSummary) int { return cmp.Compare(a.Name, b.Name) })
}

// syncErrors, each monitor period, reads the errors record of every
// topology whose record's state this leader does not know, and writes
// those whose errors changed, each at most once per errorsWritePeriod. A
// killed topology's errors are no longer written: its removal waits for
// the record's state to settle.
func (m *Machine) syncErrors() {
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		l := &t.errs
		switch {
		case t.rec.ID == "" || l.reading || l.writing:
		case !l.known:
			// A corrupt topology's too: its kill deletes the record with it.
			m.readErrors(t)
		case t.corrupt: // nothing to write for a topology that runs no plan
		case l.dirty && m.now >= l.writeAt && t.rec.Status != protocol.StatusKilled:
			m.writeErrors(t)
		}
	}
}

// readErrors reads a topology's errors record, to learn its version.
func (m *Machine) readErrors(t *topo) {
	t.errs.reading = true
	m.issue(op{kind: opErrorsRead, id: string(t.rec.ID)}, core.GetData{Path: m.cfg.Layout.Errors(t.rec.ID)})
}

// writeErrors writes a topology's errors record: a create when there is
// none, else a set at the version known, fenced.
func (m *Machine) writeErrors(t *topo) {
	l := &t.errs
	path, data := m.cfg.Layout.Errors(t.rec.ID), protocol.EncodeErrors(l.byComp)
	var req core.Request = core.SetData{Path: path, Data: data, Version: l.version}
	if l.version < 0 {
		req = core.Create{Path: path, Data: data, Mode: core.Persistent}
	}
	if m.fenced(op{kind: opErrorsWrite, id: string(t.rec.ID)}, req) {
		l.writing, l.dirty, l.writeAt = true, false, m.now.Add(errorsWritePeriod)
	}
}

// onErrorsRead merges the record read into what heartbeats brought; it is
// written back if it lacks some. A corrupt record is overwritten.
func (m *Machine) onErrorsRead(o op, r core.Reply) {
	t := m.topos[core.TopologyID(o.id)]
	if t == nil {
		return // removed meanwhile
	}
	l := &t.errs
	l.reading = false
	switch r.Code {
	case core.CodeNoNode:
		l.known, l.version, l.dirty = true, -1, len(l.byComp) > 0
		return
	case core.CodeOK:
	default:
		return // unknown still: read again at the next monitor
	}
	l.known, l.version = true, r.Stat.Version
	if t.spec == nil {
		// Its topology record is unreadable (CORRUPT): the version is all
		// a kill needs to delete the errors with it; its components are
		// unknown, so nothing is merged.
		return
	}
	rec, err := protocol.DecodeErrors(r.Data)
	if err != nil {
		m.stats.Corrupt++
		l.dirty = true
		return
	}
	dirty := l.dirty
	l.dirty = false
	for _, comp := range sortedKeys(rec.Components) {
		for _, e := range rec.Components[comp] {
			if _, ok := t.spec.Component(comp); ok {
				l.keep(e)
			}
		}
	}
	l.dirty = dirty || l.lacks(rec)
}

// lacks reports whether rec lacks some error l keeps.
func (l *errorLog) lacks(rec protocol.ErrorsRecord) bool {
	for comp, errs := range l.byComp {
		if !slices.Equal(errs, rec.Components[comp]) {
			return true
		}
	}
	return false
}

// onErrorsWrite learns the record's new version; after a failure the
// record is read again (a ConnectionLoss may have applied it) and the
// errors written again.
func (m *Machine) onErrorsWrite(o op, r core.Reply) {
	t := m.topos[core.TopologyID(o.id)]
	if t == nil {
		return
	}
	l := &t.errs
	l.writing = false
	if r.Code == core.CodeOK {
		l.known, l.version = true, r.Multi[1].Stat.Version
		return
	}
	l.known, l.dirty = false, true
	if len(r.Multi) > 0 && r.Multi[0].Code == core.CodeNoNode {
		m.writeFailed(o, r) // fenced out: no longer leading
	}
}
