package nimbus

import (
	"fmt"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// newTopologyID names a new topology as Storm's nimbus does:
// name-N-<submit time, Unix seconds>, N counting this nimbus's submits. The
// id differs from the name, so a topology killed and submitted again is a
// new topology (its errors, metrics and directories are its own); an id
// already in the view is skipped.
func (m *Machine) newTopologyID(name string) core.TopologyID {
	for range len(m.topos) + 1 { // at most len(m.topos) ids are taken
		m.submitted++
		id := core.TopologyID(fmt.Sprintf("%s-%d-%d", name, m.submitted, int64(m.now)/int64(time.Second)))
		if m.topos[id] == nil {
			core.Assert(protocol.TopologyName(id) == name, "topology id %q does not parse back to %q", id, name)
			return id
		}
	}
	core.Assert(false, "nimbus: no free topology id for %q among %d topologies", name, len(m.topos))
	return ""
}

// byName finds a live topology by its id, as Storm's API names it, or by
// its name, as the CLI does; nil when there is none (or only a submit's
// placeholder).
func (m *Machine) byName(name string) *topo {
	t := m.topos[core.TopologyID(name)]
	if t == nil {
		t = m.named(name)
	}
	if t == nil || t.rec.ID == "" || (t.corrupt && m.cfg.TestOnly.HideCorrupt) {
		return nil
	}
	return t
}

// named finds the topology, or the placeholder of a submit in flight,
// that has this name; a corrupt record's name is read from its id.
func (m *Machine) named(name string) *topo {
	for _, id := range m.topologyIDs() {
		t := m.topos[id]
		if t.rec.Name == name || (t.rec.ID == "" && t.creating == name) {
			return t
		}
	}
	return nil
}
