package nimbus

import (
	"cmp"
	"slices"
	"time"

	"github.com/squall/squall/core/protocol"
)

// Errors: workers send their tasks' newest errors in every heartbeat,
// supervisors forward them, and the leader merges them here, keeping the
// newest protocol.ErrorsPerComponentMax per component (Storm's 10) in
// memory, with the host and port they came from. Like metrics, they never
// go through ZooKeeper. They survive the worker that reported them (the
// leader keeps them) and a failover while that worker runs (it sends them
// again to the new leader); the errors of workers that died before a
// failover are lost, where Storm's, kept in ZooKeeper, are not. A kill
// drops them with the topology.

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
		if t.errors == nil {
			t.errors = map[string][]protocol.TaskError{}
		}
		t.errors[e.Component] = keepError(t.errors[e.Component], e)
	}
}

// keepError adds e to a component's errors (oldest first) unless it is
// there already (every heartbeat repeats it), keeping the newest
// protocol.ErrorsPerComponentMax.
func keepError(kept []protocol.TaskError, e protocol.TaskError) []protocol.TaskError {
	i, found := slices.BinarySearchFunc(kept, e, compareErrors)
	if found {
		return kept
	}
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
	if t == nil || len(t.errors) == 0 {
		return
	}
	for _, name := range sortedKeys(t.errors) {
		i := slices.IndexFunc(s.Components, func(c protocol.ComponentSummary) bool { return c.Name == name })
		if i < 0 {
			s.Components = append(s.Components, protocol.ComponentSummary{Name: name})
			i = len(s.Components) - 1
		}
		kept := t.errors[name]
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
