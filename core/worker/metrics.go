package worker

import (
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/protocol"
)

// metricsPersistPeriod is how often a worker writes its tasks' metric
// windows to its local store, so that all-time counters survive a restart
// (losing at most this much).
const metricsPersistPeriod = 5 * time.Second

// metricsKeyPrefix prefixes the store keys of task metrics:
// "metrics/<topology>/<task>", so that another topology later run on the
// same slot never loads these.
const metricsKeyPrefix = "metrics/"

func (m *Machine) metricsPrefix() string {
	return metricsKeyPrefix + string(m.cfg.Spec.Topology) + "/"
}

func (m *Machine) metricsKey(task core.TaskID) []byte {
	return []byte(m.metricsPrefix() + strconv.Itoa(int(task)))
}

// onRestored keeps the metric windows an earlier incarnation persisted, for
// the tasks the next executor runs.
func (m *Machine) onRestored(ev core.Restored) {
	for _, kv := range ev.Entries {
		id, ok := strings.CutPrefix(string(kv.Key), m.metricsPrefix())
		if !ok {
			continue
		}
		n, err := strconv.Atoi(id)
		if err != nil {
			m.stats.DataErrors++
			continue
		}
		m.restored[core.TaskID(n)] = kv.Value
	}
}

// carryMetrics saves the running executor's windows before it is replaced,
// so a reassignment does not reset the counters of tasks that stay.
func (m *Machine) carryMetrics() {
	if m.dp == nil {
		return
	}
	for _, id := range m.dp.plane.Tasks() {
		if blob, err := m.dp.plane.Metrics(id).MarshalBinary(); err == nil {
			m.restored[id] = blob
		}
	}
}

// restoreMetrics loads saved windows into the new executor's tasks.
func (m *Machine) restoreMetrics() {
	if m.cfg.TestOnlyNoMetricsRestore {
		return
	}
	for _, id := range m.dp.plane.Tasks() {
		blob, ok := m.restored[id]
		if !ok {
			continue
		}
		if err := m.dp.plane.Metrics(id).UnmarshalBinary(blob); err != nil {
			m.stats.DataErrors++ // corrupt or from another build: start afresh
		}
	}
}

// persistMetrics writes every task's windows, every metricsPersistPeriod.
func (m *Machine) persistMetrics() {
	if m.dp == nil || m.now < m.persistAt {
		return
	}
	m.persistAt = m.now.Add(metricsPersistPeriod)
	for _, id := range m.dp.plane.Tasks() {
		blob, err := m.dp.plane.Metrics(id).MarshalBinary()
		if err != nil {
			m.stats.DataErrors++
			continue
		}
		m.out = append(m.out, core.Persist{Op: m.ops.Next(), Key: m.metricsKey(id), Value: blob})
	}
}

// taskMetrics summarizes every task's windows for the heartbeat.
func (m *Machine) taskMetrics() []protocol.TaskMetrics {
	if m.dp == nil {
		return nil
	}
	e := m.dp.plane
	var out []protocol.TaskMetrics
	for _, id := range e.Tasks() {
		st := e.Metrics(id)
		out = append(out, protocol.TaskMetrics{Task: id, Component: e.Component(id),
			Last10m: counts(st.Snapshot(m.now, metrics.Last10m).Total()),
			Last3h:  counts(st.Snapshot(m.now, metrics.Last3h).Total()),
			Last1d:  counts(st.Snapshot(m.now, metrics.Last1d).Total()),
			AllTime: counts(st.Snapshot(m.now, metrics.AllTime).Total())})
	}
	return out
}

func counts(s metrics.StreamStats) protocol.Counts {
	return protocol.Counts{Emitted: s.Emitted, Transferred: s.Transferred, Acked: s.Acked,
		Failed: s.Failed, Executed: s.Executed}
}
