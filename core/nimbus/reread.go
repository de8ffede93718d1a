package nimbus

import (
	"github.com/squall/squall/core"
)

// A topology write (create, set, or the removing multi) that fails other
// than by the fence leaves the leader's view in doubt: on ConnectionLoss it
// may have applied, and on NodeExists or BadVersion ZooKeeper holds a record
// the view does not. Acting on that view would answer clients wrongly for
// the rest of the term (status "unknown topology" for a topology that
// exists, every later change failing on a stale version) and never schedule
// a topology whose create applied. So the leader reads the record again at
// its next monitor pass, and meanwhile refuses changes to it (it is
// "writing"). A submit's placeholder stays until the read says NoNode.

// rereadTopologies issues the re-reads that failed writes asked for.
func (m *Machine) rereadTopologies() {
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if !t.reread || t.writing {
			continue
		}
		t.reread, t.writing = false, true
		m.issue(op{kind: opTopoReread, id: string(id)}, core.GetData{Path: m.cfg.Layout.Topology(id)})
	}
}

func (m *Machine) onTopoReread(o op, r core.Reply) {
	id := core.TopologyID(o.id)
	t := m.topos[id]
	if t == nil {
		return
	}
	t.writing = false
	switch r.Code {
	case core.CodeOK:
		rec, spec, err := decodeRecord(id, r.Data)
		if err != nil {
			m.markCorrupt(t, id, r.Stat.Version, err)
			return
		}
		t.rec, t.version, t.spec, t.deadline, t.corrupt = rec, r.Stat.Version, spec, 0, false
		if rec.Pending != nil {
			t.deadline = m.now.Add(rec.Pending.Wait)
		}
	case core.CodeNoNode:
		delete(m.topos, id) // never created, or removed: its assignment went with it
	default:
		t.reread = true // next pass
		return
	}
	m.dirty = true
}
