package nimbus

import (
	"strconv"
	"strings"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/scheduler"
)

// Nimbus logs its decisions, at info level, as core.Log effects (the
// driver writes them): leadership gained and lost, every assignment it
// writes (which topology, epoch, workers, tasks moved), every lifecycle
// change applied (submit, kill, activate, deactivate, rebalance and its
// end, removal), a topology it cannot place and why, a supervisor lost,
// and every client request it refuses, with the error the client got.
// Routine traffic (reads, heartbeats, results) is not logged.

// logMovedMax bounds the task ids one assignment log lists; the count is
// always given in full.
const logMovedMax = 16

// log emits a Log effect of msg with key, value attribute pairs.
func (m *Machine) log(level core.LogLevel, msg string, kv ...string) {
	m.out = append(m.out, core.NewLog(level, msg, kv...))
}

// logAssign logs an assignment write: the plan's outcome for one topology.
func (m *Machine) logAssign(tp scheduler.TopologyPlan, epoch uint64, workers int, rebalance bool) {
	m.log(core.LogInfo, "nimbus: assigning", "topology", string(tp.ID), "epoch", strconv.FormatUint(epoch, 10),
		"workers", itoa(workers), "moved", itoa(len(tp.Moved)), "moved_tasks", taskList(tp.Moved),
		"rebalance", strconv.FormatBool(rebalance))
}

// logReason logs a change of why a topology is not placed whole; a
// reason repeated at every monitor pass is logged once.
func (m *Machine) logReason(t *topo, reason string) {
	if reason == t.reason || reason == "" || t.rec.ID == "" {
		return
	}
	m.log(core.LogInfo, "nimbus: cannot place topology", "topology", string(t.rec.ID), "reason", reason)
}

// logChange logs a topology record write that applied: what was done
// (submit, kill, activate, deactivate, rebalance, rebalance-done) and the
// record it left.
func (m *Machine) logChange(what string, rec protocol.TopologyRecord, workers int) {
	kv := []string{"topology", string(rec.ID), "op", what, "status", rec.Status, "spec_workers", itoa(workers)}
	if p := rec.Pending; p != nil {
		kv = append(kv, "pending", p.Kind, "wait", p.Wait.String())
	}
	m.log(core.LogInfo, "nimbus: topology changed", kv...)
}

// taskList prints up to logMovedMax task ids, "+N" for the rest.
func taskList(ids []core.TaskID) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids[:min(len(ids), logMovedMax)] {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(int(id)))
	}
	if len(ids) > logMovedMax {
		b.WriteString(" +" + itoa(len(ids)-logMovedMax))
	}
	b.WriteByte(']')
	return b.String()
}
