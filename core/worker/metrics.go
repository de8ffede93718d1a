package worker

import (
	"maps"
	"slices"
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
// "metrics/<topology>/<incarnation>/<task>", so that another topology later
// run on the same slot, or the same topology submitted again (a new
// incarnation of its assignment, see protocol.Assignment), never loads
// these.
const metricsKeyPrefix = "metrics/"

func (m *Machine) metricsPrefix() string {
	return metricsKeyPrefix + string(m.cfg.Spec.Topology) + "/"
}

func (m *Machine) metricsKey(task core.TaskID) []byte {
	return []byte(m.metricsPrefix() + restoredKey(m.incarnation, task))
}

// restoredKey is a task's key in m.restored: "<incarnation>/<task>".
func restoredKey(incarnation int64, task core.TaskID) string {
	return strconv.FormatInt(incarnation, 10) + "/" + strconv.Itoa(int(task))
}

// onRestored keeps the metric windows an earlier process persisted, for
// the tasks the next executor runs if its incarnation is theirs (see
// dropForeignMetrics).
func (m *Machine) onRestored(ev core.Restored) {
	for _, kv := range ev.Entries {
		rest, ok := strings.CutPrefix(string(kv.Key), m.metricsPrefix())
		if !ok {
			continue
		}
		inc, task, found := strings.Cut(rest, "/")
		_, errInc := strconv.ParseInt(inc, 10, 64)
		_, errTask := strconv.Atoi(task)
		if !found || errInc != nil || errTask != nil {
			m.stats.DataErrors++ // corrupt, or from a build without incarnations
			m.foreign = append(m.foreign, kv.Key)
			continue
		}
		m.restored[rest] = kv.Value
	}
}

// dropForeignMetrics, at the first assignment, forgets and deletes the
// windows of other incarnations: a killed topology's counters must not
// reach its successor of the same name, nor stay in the store for ever.
func (m *Machine) dropForeignMetrics() {
	mine := strconv.FormatInt(m.incarnation, 10) + "/"
	for _, key := range slices.Sorted(maps.Keys(m.restored)) {
		if !strings.HasPrefix(key, mine) {
			delete(m.restored, key)
			m.foreign = append(m.foreign, []byte(m.metricsPrefix()+key))
		}
	}
	for _, key := range m.foreign {
		m.out = append(m.out, core.Persist{Op: m.ops.Next(), Key: key}) // a nil Value deletes
	}
	m.foreign = nil
}

// carryMetrics saves the running executor's windows before it is replaced,
// so a reassignment does not reset the counters of tasks that stay.
func (m *Machine) carryMetrics() {
	if m.dp == nil {
		return
	}
	for _, id := range m.dp.plane.Tasks() {
		if blob, err := m.dp.plane.Metrics(id).MarshalBinary(); err == nil {
			m.restored[restoredKey(m.incarnation, id)] = blob
		}
	}
}

// restoreMetrics loads saved windows into the new executor's tasks.
func (m *Machine) restoreMetrics() {
	if m.cfg.TestOnlyNoMetricsRestore {
		return
	}
	for _, id := range m.dp.plane.Tasks() {
		blob, ok := m.restored[restoredKey(m.incarnation, id)]
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
			Last10m: counts(st.Snapshot(m.now, metrics.Last10m)),
			Last3h:  counts(st.Snapshot(m.now, metrics.Last3h)),
			Last1d:  counts(st.Snapshot(m.now, metrics.Last1d)),
			AllTime: counts(st.Snapshot(m.now, metrics.AllTime))})
	}
	return out
}

// counts is a task's window as the heartbeat carries it: its streams summed,
// latencies as sums, and its capacity.
func counts(snap metrics.Snapshot) protocol.Counts {
	s := snap.Total()
	return protocol.Counts{Emitted: s.Emitted, Transferred: s.Transferred, Acked: s.Acked,
		Failed: s.Failed, Executed: s.Executed,
		CompleteLatency: latency(s.Complete), ExecuteLatency: latency(s.Execute),
		ProcessLatency: latency(s.Process), Capacity: snap.Capacity}
}

func latency(l metrics.Latency) protocol.Latency {
	return protocol.Latency{Samples: l.Samples, SumNanos: l.SumNanos}
}
