package httpapi

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/squall/squall/core/protocol"
)

// newComponent is one component's page; false when the topology has no
// such component (neither in its spec nor among what reported).
func newComponent(t protocol.TopologySummary, name, window string) (Component, bool) {
	infos := components(model(t))
	info, known := infos[name]
	c := componentOf(t, name)
	if !known && !reported(t, name) {
		return Component{}, false
	}
	executors, tasks := executorsOf(info, c)
	kind := info.kind
	if kind == "" {
		kind = "bolt"
	}
	counts := pick(window, c.Last10m, c.Last3h, c.Last1d, c.AllTime)
	out := Component{User: t.Owner, ID: name, EncodedID: url.PathEscape(name), Name: t.Name,
		Executors: executors, Tasks: tasks, RequestedMemOnHeap: float64(info.demand.MemoryMB),
		RequestedCPU: float64(info.demand.CPU), SchedulerDisplayResource: true, TopologyID: t.ID,
		TopologyStatus: t.Status, EncodedTopologyID: url.PathEscape(string(t.ID)), Window: window,
		ComponentType: kind, WindowHint: windowPretty(window), ProfilerActive: []any{},
		Errors: componentErrors(c.Errors), InputStats: []InputStats{}, OutputStats: []OutputStats{},
		ExecutorStats: []ExecutorStats{}}
	if len(out.Errors) > 0 {
		out.LastError = out.Errors[0].Error
	}
	for _, w := range windowOrder {
		wc := pick(w, c.Last10m, c.Last3h, c.Last1d, c.AllTime)
		if kind == "spout" {
			out.SpoutSummary = append(out.SpoutSummary, windowStats(w, wc))
		} else {
			out.BoltStats = append(out.BoltStats, boltWindowStats(w, wc))
		}
	}
	out.InputStats = inputStats(info, counts)
	out.OutputStats = []OutputStats{{Stream: streamAll, Emitted: counts.Emitted, Transferred: counts.Transferred,
		CompleteLatency: completeMs(counts), Acked: counts.Acked, Failed: counts.Failed}}
	for _, ts := range c.TaskStats {
		out.ExecutorStats = append(out.ExecutorStats, executorStats(ts, window))
	}
	return out, true
}

// streamAll names a row that sums every stream: Squall counts per
// component, not per stream.
const streamAll = "*"

func reported(t protocol.TopologySummary, name string) bool {
	for _, c := range t.Components {
		if c.Name == name {
			return true
		}
	}
	return false
}

// inputStats lists a bolt's inputs from its spec. Counts are per
// component, not per input, so they are given only when there is one input.
func inputStats(info componentInfo, c protocol.Counts) []InputStats {
	out := []InputStats{}
	for _, in := range info.inputs {
		row := InputStats{Component: in.Component, EncodedComponentID: url.PathEscape(in.Component),
			Stream: in.Stream, Grouping: string(in.Grouping.Kind)}
		if len(info.inputs) == 1 {
			row.Executed, row.Acked, row.Failed = c.Executed, c.Acked, c.Failed
			row.ExecuteLatency, row.ProcessLatency = executeMs(c), processMs(c)
		}
		out = append(out, row)
	}
	return out
}

func executorStats(ts protocol.TaskStats, window string) ExecutorStats {
	c := pick(window, ts.Last10m, ts.Last3h, ts.Last1d, ts.AllTime)
	id := fmt.Sprintf("[%d-%d]", ts.Task, ts.Task)
	return ExecutorStats{ID: id, EncodedID: url.PathEscape(id), Host: ts.Host, Port: ts.Port,
		Uptime: prettySecs(ts.UptimeSecs), UptimeSeconds: ts.UptimeSecs, Emitted: c.Emitted,
		Transferred: c.Transferred, Executed: c.Executed, CompleteLatency: completeMs(c),
		ExecuteLatency: executeMs(c), ProcessLatency: processMs(c), Capacity: capacity(c),
		Acked: c.Acked, Failed: c.Failed}
}

// componentErrors converts nimbus's errors (newest first) to Storm UI's.
func componentErrors(errs []protocol.TaskError) []ComponentError {
	out := make([]ComponentError, 0, len(errs))
	for _, e := range errs {
		out = append(out, ComponentError{Error: e.Error, Host: e.Host, Port: e.Port,
			TimeMs: int64(e.TimeNs) / int64(time.Millisecond), LapsedSecs: e.AgeSecs, Task: e.Task})
	}
	return out
}

// newVisualization is the topology's graph as Storm UI's visualization
// data: every component with its type, load and inputs.
func newVisualization(t protocol.TopologySummary, window string, sys bool) Visualization {
	infos := components(model(t))
	out := Visualization{}
	for _, name := range componentNames(t, infos, sys) {
		info, c := infos[name], componentOf(t, name)
		kind := info.kind
		if kind == "" {
			kind = "bolt"
		}
		counts := pick(window, c.Last10m, c.Last3h, c.Last1d, c.AllTime)
		v := VisualComponent{Type: kind, Capacity: capacityOf(counts), Latency: latencyMs(kind, counts),
			Transferred: counts.Transferred, Stats: visualStats(c, window), Inputs: []VisualInput{},
			Link: "/api/v1/topology/" + url.PathEscape(string(t.ID)) + "/component/" + url.PathEscape(name)}
		for _, in := range info.inputs {
			v.Inputs = append(v.Inputs, VisualInput{Component: in.Component, Stream: in.Stream,
				SaniStream: saniStream(in.Stream), Grouping: string(in.Grouping.Kind)})
		}
		out[name] = v
	}
	return out
}

// visualStats sums a component's tasks per worker.
func visualStats(c protocol.ComponentSummary, window string) []VisualStats {
	out := []VisualStats{}
	for _, ts := range c.TaskStats {
		n := pick(window, ts.Last10m, ts.Last3h, ts.Last1d, ts.AllTime).Transferred
		if k := len(out) - 1; k >= 0 && out[k].Host == ts.Host && out[k].Port == ts.Port {
			out[k].Transferred += n
			continue
		}
		out = append(out, VisualStats{Host: ts.Host, Port: ts.Port, UptimeSecs: ts.UptimeSecs, Transferred: n})
	}
	return out
}

// saniStream is a stream name safe as an HTML id, as Storm UI's: letters
// and digits kept, a hash of the name appended so distinct names stay
// distinct.
func saniStream(stream string) string {
	var b strings.Builder
	var h uint32 = 2166136261 // FNV-1a
	for _, r := range stream {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	for i := 0; i < len(stream); i++ {
		h = (h ^ uint32(stream[i])) * 16777619
	}
	fmt.Fprintf(&b, "%d", h%100000)
	return b.String()
}
