package nimbus

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// reportMetrics sends, for every supervisor of id's assignment, a
// heartbeat whose workers each report one task that emitted emitted tuples
// in every window.
func (h *harness) reportMetrics(p *peer, id core.TopologyID, emitted int64) {
	h.t.Helper()
	a, ok := h.assignment(id)
	if !ok {
		h.t.Fatalf("%s has no assignment", id)
	}
	id = a.Topology // the name's id
	c := protocol.Counts{Emitted: emitted, ExecuteLatency: protocol.Latency{Samples: 2, SumNanos: int64(6 * time.Millisecond)}}
	bySup := map[core.SupervisorID][]protocol.WorkerStatus{}
	for _, w := range a.Workers {
		tm := protocol.TaskMetrics{Task: w.Tasks[0], Component: "spout", Last10m: c, Last3h: c, Last1d: c, AllTime: c}
		bySup[w.Supervisor] = append(bySup[w.Supervisor], protocol.WorkerStatus{Topology: id, Port: w.Port,
			Epoch: a.Epoch, Alive: true, Metrics: []protocol.TaskMetrics{tm}})
	}
	for _, s := range slices.Sorted(maps.Keys(bySup)) {
		h.send(p, h.sups[s].info.Address, protocol.SupervisorHeartbeat{Supervisor: s, Workers: bySup[s]})
	}
}

// TestListCarriesWindowTotals: the topology list (the API's
// topology/summary) reports the windows' totals, not zeros; status adds the
// components, whose latencies average over the tasks' samples.
func TestListCarriesWindowTotals(t *testing.T) {
	h := newHarness(t)
	h.do("start a", "sup s1", "sup s2", "submit a wc workers=2", "run 1s")
	a := h.peer("a")
	h.reportMetrics(a, "wc", 10)
	r, ok := h.request(a, protocol.ClientRequest{Op: protocol.OpList})
	if !ok || len(r.Topologies) != 1 {
		t.Fatalf("list: got %+v, want one topology", r)
	}
	for _, w := range []struct {
		name string
		c    protocol.Counts
	}{{"600", r.Topologies[0].Last10m}, {"10800", r.Topologies[0].Last3h},
		{"86400", r.Topologies[0].Last1d}, {":all-time", r.Topologies[0].AllTime}} {
		if w.c.Emitted != 20 {
			t.Errorf("list, window %s: got emitted %d, want 20 (two workers of 10)", w.name, w.c.Emitted)
		}
	}
	r, _ = h.request(a, protocol.ClientRequest{Op: protocol.OpStatus, Topology: "wc"})
	if len(r.Topologies) != 1 || len(r.Topologies[0].Components) != 1 {
		t.Fatalf("status: got %+v, want one topology with one component", r)
	}
	if c := r.Topologies[0].Components[0]; c.Tasks != 2 || c.AllTime.ExecuteLatency.Ms() != 3 {
		t.Errorf("status: got %d tasks, execute latency %v ms; want 2 tasks, 3 ms", c.Tasks, c.AllTime.ExecuteLatency.Ms())
	}
}

// TestResubmitForgetsReports: once a topology is killed, what its workers
// last reported no longer counts; its next submission under the name, on
// the same slots, starts at zero until its own workers report.
func TestResubmitForgetsReports(t *testing.T) {
	h := newHarness(t)
	h.do("start a", "sup s1", "submit a wc workers=1", "run 1s")
	a := h.peer("a")
	h.reportMetrics(a, "wc", 10)
	h.do("kill a wc wait=1s")
	if !h.runUntil(time.Minute, func() bool { _, ok := h.assignment("wc"); return !ok }) {
		t.Fatal("wc still assigned a minute after its kill")
	}
	h.do("submit a wc workers=1", "run 1s")
	r, _ := h.request(a, protocol.ClientRequest{Op: protocol.OpStatus, Topology: "wc"})
	if len(r.Topologies) != 1 {
		t.Fatalf("status: got %+v, want wc", r)
	}
	if got := r.Topologies[0].AllTime.Emitted; got != 0 {
		t.Errorf("resubmitted wc: got emitted %d before its workers reported, want 0", got)
	}
}
