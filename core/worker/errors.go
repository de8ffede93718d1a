package worker

import (
	"cmp"
	"slices"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/task"
)

// taskErrors selects the errors a heartbeat carries: the newest
// protocol.ErrorsPerComponentMax of each component, and the newest
// protocol.HeartbeatErrorsMax of those, oldest first. They come from the
// running plane and from the one an assignment replaced (carried), so
// errors reported just before a rebuild still reach nimbus. Every
// heartbeat sends them again: nimbus drops those it already has.
func (m *Machine) taskErrors() []protocol.TaskError {
	all := slices.Clone(m.carriedErrors)
	if m.dp != nil {
		all = m.dp.plane.Errors(all)
	}
	if len(all) == 0 {
		return nil
	}
	slices.SortFunc(all, compareErrors)
	perComp := map[string]int{}
	var out []protocol.TaskError
	for i := len(all) - 1; i >= 0 && len(out) < protocol.HeartbeatErrorsMax; i-- {
		e := all[i]
		if perComp[e.Component] == protocol.ErrorsPerComponentMax {
			continue
		}
		perComp[e.Component]++
		out = append(out, protocol.TaskError{Component: e.Component, Task: e.Task, Error: e.Message,
			TimeNs: e.Time, Seq: e.Seq, Port: m.cfg.Spec.Port})
	}
	slices.Reverse(out)
	return out
}

// compareErrors orders errors by time, then component, task and sequence:
// a total order, so the selection is deterministic.
func compareErrors(a, b task.Error) int {
	return cmp.Or(cmp.Compare(a.Time, b.Time), cmp.Compare(a.Component, b.Component),
		cmp.Compare(a.Task, b.Task), cmp.Compare(a.Seq, b.Seq))
}

// carryErrors keeps the newest errors of the plane an assignment replaces,
// for the heartbeats that follow.
func (m *Machine) carryErrors() {
	if m.dp == nil {
		return
	}
	all := m.dp.plane.Errors(m.carriedErrors)
	slices.SortFunc(all, compareErrors)
	all = slices.Compact(all) // a plane whose replacement failed is carried twice
	m.carriedErrors = slices.Clone(all[max(0, len(all)-protocol.HeartbeatErrorsMax):])
}
