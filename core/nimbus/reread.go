package nimbus

import (
	"bytes"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
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
//
// A client whose write's reply was lost waits for that read (await), and
// hears what it shows: OK when the record holds what was written (the
// write applied), an error saying it did not apply otherwise. Telling it
// "ConnectionLoss" would report a failure for a write that, as often as
// not, applied.

// rereadTopologies issues the re-reads that failed writes asked for.
func (m *Machine) rereadTopologies() {
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if !t.reread || t.writing {
			continue
		}
		t.reread, t.writing = false, true
		o := op{kind: opTopoReread, id: string(id)}
		if t.await != nil {
			o.client, o.rec, o.what = t.await.client, t.await.rec, t.await.what
			t.await = nil
		}
		m.issue(o, core.GetData{Path: m.cfg.Layout.Topology(id)})
	}
}

// settleAwait answers the client of a write whose reply was lost, now that
// a re-read showed data (nil: no record) at the record's path.
func (m *Machine) settleAwait(o op, data []byte) {
	if o.client == nil {
		return
	}
	if o.rec != nil && data != nil && bytes.Equal(data, protocol.Encode(*o.rec)) {
		m.logChange(o.what, *o.rec, m.topos[core.TopologyID(o.id)].spec.Config.Workers)
		m.reply(o.client.from, protocol.ClientReply{ID: o.client.id, OK: true, Topologies: m.summaries(o.id)})
		return
	}
	m.fail(o.client, "nimbus: %s of %s was not applied (ZooKeeper lost the connection before it; "+
		"a re-read shows the record without it); retry", o.client.verb, o.id)
}

// keepAwaiting carries o's client over to the next re-read, or, after
// awaitReadsMax tries, tells it the outcome is unknown.
func (m *Machine) keepAwaiting(t *topo, o op) {
	if o.client == nil {
		return
	}
	t.awaitReads++
	if t.awaitReads >= awaitReadsMax {
		m.fail(o.client, "nimbus: %s of %s: ZooKeeper unreachable, the outcome is unknown; check the status", o.client.verb, o.id)
		return
	}
	t.await = &o
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
			if o.client != nil {
				m.fail(o.client, "nimbus: %s of %s: its record is unreadable, the outcome is unknown", o.client.verb, o.id)
			}
			return
		}
		t.rec, t.version, t.spec, t.deadline, t.corrupt = rec, r.Stat.Version, spec, 0, false
		if rec.Pending != nil {
			t.deadline = m.now.Add(rec.Pending.Wait)
		}
		m.settleAwait(o, r.Data)
	case core.CodeNoNode:
		delete(m.topos, id) // never created, or removed: its assignment went with it
		m.settleAwait(o, nil)
	default:
		t.reread = true // next pass
		m.keepAwaiting(t, o)
		return
	}
	m.dirty = true
}
