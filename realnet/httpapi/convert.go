package httpapi

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

// windowOrder lists Storm UI's windows in the order its tables show them.
var windowOrder = []string{WindowLast10m, WindowLast3h, WindowLast1d, WindowAllTime}

// windowPretty is a window as Storm UI writes it.
func windowPretty(window string) string {
	switch window {
	case WindowLast10m:
		return "10m 0s"
	case WindowLast3h:
		return "3h 0m 0s"
	case WindowLast1d:
		return "1d 0h 0m 0s"
	}
	return "All time"
}

// pick returns the counts of one window.
func pick(window string, last10m, last3h, last1d, allTime protocol.Counts) protocol.Counts {
	switch window {
	case WindowLast10m:
		return last10m
	case WindowLast3h:
		return last3h
	case WindowLast1d:
		return last1d
	}
	return allTime
}

// prettySecs writes a duration as Storm UI does: "5m 58s", "1d 0h 3m 2s".
func prettySecs(secs int64) string {
	secs = max(0, secs)
	d, h, m, s := secs/86400, secs/3600%24, secs/60%60, secs%60
	switch {
	case d > 0:
		return fmt.Sprintf("%dd %dh %dm %ds", d, h, m, s)
	case h > 0:
		return fmt.Sprintf("%dh %dm %ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// decimal3 writes a latency or capacity as Storm UI does: a string with
// three decimals.
func decimal3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// model decodes the summary's spec; nil when it has none or it is
// unreadable (a corrupt record), so components are shown without types.
func model(t protocol.TopologySummary) *topology.Topology {
	if len(t.Spec) == 0 {
		return nil
	}
	m, err := topology.Decode(t.Spec)
	if err != nil {
		return nil
	}
	return m
}

// componentInfo is what the spec says of a component.
type componentInfo struct {
	kind      string // "spout" or "bolt"
	executors int
	tasks     int
	demand    topology.Resources // per task
	inputs    []topology.Input
}

// components lists the spec's components by name: spouts, bolts, and the
// ackers as a bolt, as Storm shows __acker with system components.
func components(m *topology.Topology) map[string]componentInfo {
	out := map[string]componentInfo{}
	if m == nil {
		return out
	}
	for _, c := range m.Spouts {
		out[c.Name] = componentInfo{"spout", c.Parallelism, c.Tasks, c.Resources, c.Inputs}
	}
	for _, c := range m.Bolts {
		out[c.Name] = componentInfo{"bolt", c.Parallelism, c.Tasks, c.Resources, c.Inputs}
	}
	if n := m.Config.AckerTasks(); n > 0 {
		out[topology.AckerComponent] = componentInfo{"bolt", n, n, topology.AckerResources(), nil}
	}
	return out
}

// NewTopology is the topology page of a status summary over window (one
// of the Window constants), system components included when sys: what GET
// /api/v1/topology/{id} answers, for callers that hold a summary (local
// mode).
func NewTopology(t protocol.TopologySummary, window string, sys bool) Topology {
	m := model(t)
	out := Topology{TopologySummary: newTopologySummary(t), Window: window, WindowHint: windowPretty(window),
		Spouts: []Spout{}, Bolts: []Bolt{}, Workers: []Worker{},
		Configuration: map[string]any{}}
	if m != nil {
		out.MsgTimeout = int(m.Config.MessageTimeout / time.Second)
		out.Configuration = topologyConfiguration(t, m)
		out.SamplingPct = 100 * m.Config.StatsSampleRate
	}
	infos := components(m)
	for _, name := range componentNames(t, infos, sys) {
		info := infos[name]
		c := componentOf(t, name)
		counts := pick(window, c.Last10m, c.Last3h, c.Last1d, c.AllTime)
		if info.kind == "spout" {
			out.Spouts = append(out.Spouts, newSpout(name, info, c, counts))
		} else {
			out.Bolts = append(out.Bolts, newBolt(name, info, c, counts))
		}
	}
	for _, w := range t.WorkerList {
		out.Workers = append(out.Workers, newWorker(t, w, m))
	}
	return out
}

// componentNames are the spec's components and those that reported
// metrics or errors, sorted; system components (__acker) only with sys,
// as Storm UI's ?sys=1.
func componentNames(t protocol.TopologySummary, infos map[string]componentInfo, sys bool) []string {
	var names []string
	for name := range infos {
		names = append(names, name)
	}
	for _, c := range t.Components {
		if _, ok := infos[c.Name]; !ok {
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)
	if !sys {
		names = slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(n, topology.SystemPrefix) })
	}
	return names
}

// componentOf is the summary's entry for a component, zero when it has
// reported nothing.
func componentOf(t protocol.TopologySummary, name string) protocol.ComponentSummary {
	for _, c := range t.Components {
		if c.Name == name {
			return c
		}
	}
	return protocol.ComponentSummary{Name: name}
}

func windowStats(window string, c protocol.Counts) WindowStats {
	return WindowStats{WindowPretty: windowPretty(window), Window: window, Emitted: c.Emitted,
		Transferred: c.Transferred, CompleteLatency: completeMs(c), Acked: c.Acked, Failed: c.Failed}
}

func boltWindowStats(window string, c protocol.Counts) BoltWindowStats {
	return BoltWindowStats{WindowPretty: windowPretty(window), Window: window, Emitted: c.Emitted,
		Transferred: c.Transferred, Executed: c.Executed, ExecuteLatency: executeMs(c),
		ProcessLatency: processMs(c), Capacity: capacity(c), Acked: c.Acked, Failed: c.Failed}
}

// lastError flattens a component's newest error into its row.
func lastError(errs []protocol.TaskError) LastError {
	if len(errs) == 0 {
		return LastError{}
	}
	e := errs[0]
	port, at, lapsed, task := e.Port, int64(e.TimeNs)/int64(time.Second), e.AgeSecs, e.Task
	return LastError{LastError: e.Error, ErrorHost: e.Host, ErrorPort: &port, ErrorTime: &at, ErrorLapsedSecs: &lapsed,
		ErrorTask: &task}
}

// executorsOf is the component's executor count: its parallelism, or its
// reporting tasks when the spec does not say.
func executorsOf(info componentInfo, c protocol.ComponentSummary) (executors, tasks int) {
	if info.kind == "" {
		return c.Tasks, c.Tasks
	}
	return info.executors, info.tasks
}

func newSpout(name string, info componentInfo, c protocol.ComponentSummary, s protocol.Counts) Spout {
	executors, tasks := executorsOf(info, c)
	return Spout{SpoutID: name, EncodedSpoutID: url.PathEscape(name), Executors: executors, Tasks: tasks,
		Emitted: s.Emitted, Transferred: s.Transferred, CompleteLatency: completeMs(s),
		Acked: s.Acked, Failed: s.Failed, LastError: lastError(c.Errors),
		RequestedMemOnHeap: float64(info.demand.MemoryMB), RequestedCPU: float64(info.demand.CPU)}
}

func newBolt(name string, info componentInfo, c protocol.ComponentSummary, s protocol.Counts) Bolt {
	executors, tasks := executorsOf(info, c)
	return Bolt{BoltID: name, EncodedBoltID: url.PathEscape(name), Executors: executors, Tasks: tasks,
		Emitted: s.Emitted, Transferred: s.Transferred, Executed: s.Executed,
		ExecuteLatency: executeMs(s), ProcessLatency: processMs(s),
		Capacity: capacity(s), Acked: s.Acked, Failed: s.Failed, LastError: lastError(c.Errors),
		RequestedMemOnHeap: float64(info.demand.MemoryMB), RequestedCPU: float64(info.demand.CPU)}
}

func newWorker(t protocol.TopologySummary, w protocol.WorkerSummary, m *topology.Topology) Worker {
	out := Worker{SupervisorID: w.Supervisor, Host: w.Host, Port: w.Port, TopologyID: t.ID, TopologyName: t.Name,
		ExecutorsTotal: len(w.Tasks), AssignedMemOnHeap: float64(w.Resources.MemoryMB),
		AssignedCPU: float64(w.Resources.CPU), ComponentNumTasks: map[string]int{},
		Uptime: prettySecs(w.UptimeSecs), UptimeSeconds: w.UptimeSecs}
	if m == nil {
		return out
	}
	owner := map[int64]string{}
	for name, ids := range topology.ComponentTasks(m) {
		for _, id := range ids {
			owner[int64(id)] = name
		}
	}
	for _, id := range w.Tasks {
		if name, ok := owner[int64(id)]; ok {
			out.ComponentNumTasks[name]++
		}
	}
	return out
}

// topologyConfiguration is the topology's configuration under Storm's
// keys, as topology/{id} shows it.
func topologyConfiguration(t protocol.TopologySummary, m *topology.Topology) map[string]any {
	c := m.Config
	return map[string]any{
		"storm.id":                      string(t.ID),
		"topology.name":                 t.Name,
		"topology.workers":              c.Workers,
		"topology.acker.executors":      c.AckerTasks(),
		"topology.message.timeout.secs": int(c.MessageTimeout / time.Second),
		"topology.max.spout.pending":    nilIfZero(c.MaxSpoutPending),
		"topology.tick.tuple.freq.secs": nilIfZero(int(c.TickInterval / time.Second)),
		"topology.stats.sample.rate":    c.StatsSampleRate,
		"topology.priority":             c.Priority,
		"topology.isolated":             c.Isolated,
		"topology.worker.timeout.secs":  nilIfZero(int(c.WorkerTimeout / time.Second)),
		"topology.submitter.user":       t.Owner,
	}
}

// nilIfZero is nil (JSON null, "not set", as Storm shows unset keys) for 0.
func nilIfZero(n int) any {
	if n == 0 {
		return nil
	}
	return n
}
