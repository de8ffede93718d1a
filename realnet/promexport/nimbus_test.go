package promexport

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// fakeNimbus answers as a leading nimbus with a fixed cluster: two
// supervisors, topology "wc" (ACTIVE, two components with metrics) and
// topology "idle" (INACTIVE, unassigned).
type fakeNimbus struct {
	mu       sync.Mutex
	follower bool
	fail     error  // every request fails with it
	vanished string // a topology the list names but status no longer knows
	ops      []string
}

func (f *fakeNimbus) Request(_ context.Context, req protocol.ClientRequest) (protocol.ClientReply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, req.Op+" "+req.Topology)
	if f.fail != nil {
		return protocol.ClientReply{}, f.fail
	}
	if f.follower {
		return protocol.ClientReply{ID: req.ID, NotLeader: true, Leader: "10.0.0.1:6627", Error: "nimbus: not the leader"}, nil
	}
	switch req.Op {
	case protocol.OpCluster:
		c := fakeCluster()
		return protocol.ClientReply{ID: req.ID, OK: true, Cluster: &c}, nil
	case protocol.OpList:
		list := []protocol.TopologySummary{fakeIdle(), fakeWC()}
		list[1].Components, list[1].AllTime, list[1].Last10m = nil, protocol.Counts{}, protocol.Counts{}
		if f.vanished != "" {
			list = append(list, protocol.TopologySummary{ID: core.TopologyID(f.vanished), Name: f.vanished, Status: "ACTIVE"})
		}
		return protocol.ClientReply{ID: req.ID, OK: true, Topologies: list}, nil
	case protocol.OpStatus:
		switch req.Topology {
		case "wc":
			return protocol.ClientReply{ID: req.ID, OK: true, Topologies: []protocol.TopologySummary{fakeWC()}}, nil
		case "idle":
			return protocol.ClientReply{ID: req.ID, OK: true, Topologies: []protocol.TopologySummary{fakeIdle()}}, nil
		}
		return protocol.ClientReply{ID: req.ID, Error: `nimbus: unknown topology "` + req.Topology + `"`}, nil
	}
	return protocol.ClientReply{ID: req.ID, Error: "nimbus: unknown operation"}, nil
}

func fakeCluster() protocol.ClusterSummary {
	return protocol.ClusterSummary{Leader: "10.0.0.2:6627", Topologies: 2, Slots: 8, UsedSlots: 3, Tasks: 7, Executors: 9,
		Supervisors: []protocol.SupervisorSummary{
			{ID: "10.0.0.11", Host: "10.0.0.11", Slots: 4, UsedSlots: 2, UptimeSecs: 3600},
			{ID: "10.0.0.12", Host: "10.0.0.12", Slots: 4, UsedSlots: 1},
		}}
}

func fakeWC() protocol.TopologySummary {
	split := protocol.ComponentSummary{Name: "split", Tasks: 4,
		Last10m: protocol.Counts{Emitted: 900, Transferred: 880, Acked: 0, Failed: 0, Executed: 150,
			ExecuteLatency: protocol.Latency{Samples: 10, SumNanos: 5_000_000},
			ProcessLatency: protocol.Latency{Samples: 10, SumNanos: 20_000_000}, Capacity: 0.25},
		Last3h: protocol.Counts{Emitted: 9000, Transferred: 8800, Executed: 1500},
		Last1d: protocol.Counts{Emitted: 9001, Transferred: 8801, Executed: 1501},
		AllTime: protocol.Counts{Emitted: 9002, Transferred: 8802, Executed: 1502,
			ExecuteLatency: protocol.Latency{Samples: 100, SumNanos: 3_000_000_000}, Capacity: 0.1},
		Errors: []protocol.TaskError{
			{Component: "split", Task: 3, Error: "newest", TimeNs: core.Time(1_700_000_000_500_000_000)},
			{Component: "split", Task: 3, Error: "older", TimeNs: core.Time(1_600_000_000_000_000_000)},
		}}
	spout := protocol.ComponentSummary{Name: "sentences", Tasks: 2,
		Last10m: protocol.Counts{Emitted: 150, Transferred: 150, Acked: 140, Failed: 3,
			CompleteLatency: protocol.Latency{Samples: 4, SumNanos: 40_000_000}},
		Last3h:  protocol.Counts{Emitted: 1500, Transferred: 1500, Acked: 1400, Failed: 30},
		Last1d:  protocol.Counts{Emitted: 1501, Transferred: 1501, Acked: 1401, Failed: 31},
		AllTime: protocol.Counts{Emitted: 1502, Transferred: 1502, Acked: 1402, Failed: 32}}
	t := protocol.TopologySummary{ID: "wc", Name: "wc", Status: protocol.StatusActive, Workers: 3, Tasks: 7,
		Epoch: 5, Owner: "alice", UptimeSecs: 120, Executors: 9, Components: []protocol.ComponentSummary{spout, split},
		WorkerList: []protocol.WorkerSummary{{WorkerAssignment: protocol.WorkerAssignment{Supervisor: "10.0.0.11",
			Host: "10.0.0.11", Port: 6701}, UptimeSecs: 42}}}
	for _, c := range t.Components {
		t.Last10m, t.Last3h = t.Last10m.Add(c.Last10m), t.Last3h.Add(c.Last3h)
		t.Last1d, t.AllTime = t.Last1d.Add(c.Last1d), t.AllTime.Add(c.AllTime)
	}
	return t
}

func fakeIdle() protocol.TopologySummary {
	return protocol.TopologySummary{ID: "idle", Name: "idle", Status: protocol.StatusInactive}
}

// collect gathers c into name → "label=value,..." → value.
func collect(t *testing.T, c prometheus.Collector) map[string]map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: got %v, want no error", err)
	}
	out := map[string]map[string]float64{}
	for _, mf := range mfs {
		series := map[string]float64{}
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			v := m.GetGauge().GetValue()
			if m.Counter != nil {
				v = m.GetCounter().GetValue()
			}
			series[strings.Join(ls, ",")] = v
		}
		out[mf.GetName()] = series
	}
	return out
}

// The collector turns the leader's answers into the metrics Storm UI shows,
// with their values: a Storm exporter reading 0 everywhere is the bug.
func TestNimbusCollectorLeader(t *testing.T) {
	f := &fakeNimbus{}
	got := collect(t, NewNimbusCollector(NimbusConfig{Nimbus: f}))
	want := []struct {
		name, labels string
		value        float64
	}{
		{"squall_nimbus_leader", "", 1},
		{"squall_nimbus_scrape_success", "", 1},
		{"squall_cluster_leader_info", "leader=10.0.0.2:6627", 1},
		{"squall_cluster_supervisors", "", 2},
		{"squall_cluster_topologies", "", 2},
		{"squall_cluster_slots", "", 8},
		{"squall_cluster_slots_used", "", 3},
		{"squall_cluster_slots_free", "", 5},
		{"squall_cluster_supervisor_slots_used", "host=10.0.0.11,supervisor=10.0.0.11", 2},
		{"squall_topology_info", "name=wc,owner=alice,topology=wc", 1},
		{"squall_topology_status", "status=ACTIVE,topology=wc", 1},
		{"squall_topology_status", "status=INACTIVE,topology=wc", 0},
		{"squall_topology_status", "status=INACTIVE,topology=idle", 1},
		{"squall_topology_workers", "topology=wc", 3},
		{"squall_topology_uptime_seconds", "topology=wc", 120},
		{"squall_topology_executors", "topology=wc", 9},
		{"squall_topology_worker_uptime_seconds", "host=10.0.0.11,port=6701,supervisor=10.0.0.11,topology=wc", 42},
		{"squall_cluster_tasks", "", 7},
		{"squall_cluster_executors", "", 9},
		{"squall_cluster_supervisor_uptime_seconds", "host=10.0.0.11,supervisor=10.0.0.11", 3600},
		{"squall_topology_tasks", "topology=wc", 7},
		{"squall_topology_assignment_epoch", "topology=wc", 5},
		{"squall_topology_emitted_tuples", "topology=wc,window=600", 1050},
		{"squall_topology_acked_tuples_total", "topology=wc", 1402},
		{"squall_component_tasks", "component=split,topology=wc", 4},
		{"squall_component_emitted_tuples", "component=split,topology=wc,window=600", 900},
		{"squall_component_emitted_tuples", "component=split,topology=wc,window=10800", 9000},
		{"squall_component_emitted_tuples", "component=split,topology=wc,window=86400", 9001},
		{"squall_component_emitted_tuples", "component=split,topology=wc,window=:all-time", 9002},
		{"squall_component_transferred_tuples", "component=split,topology=wc,window=600", 880},
		{"squall_component_executed_tuples", "component=split,topology=wc,window=10800", 1500},
		{"squall_component_acked_tuples", "component=sentences,topology=wc,window=600", 140},
		{"squall_component_failed_tuples", "component=sentences,topology=wc,window=86400", 31},
		{"squall_component_emitted_tuples_total", "component=split,topology=wc", 9002},
		{"squall_component_failed_tuples_total", "component=sentences,topology=wc", 32},
		{"squall_component_executed_tuples_total", "component=split,topology=wc", 1502},
		{"squall_component_complete_latency_seconds", "component=sentences,topology=wc,window=600", 0.01},
		{"squall_component_execute_latency_seconds", "component=split,topology=wc,window=600", 0.0005},
		{"squall_component_process_latency_seconds", "component=split,topology=wc,window=600", 0.002},
		{"squall_component_execute_latency_seconds", "component=split,topology=wc,window=:all-time", 0.03},
		{"squall_component_execute_latency_seconds_total", "component=split,topology=wc", 3},
		{"squall_component_execute_latency_samples_total", "component=split,topology=wc", 100},
		{"squall_component_complete_latency_samples_total", "component=split,topology=wc", 0},
		{"squall_component_capacity_ratio", "component=split,topology=wc,window=600", 0.25},
		{"squall_component_capacity_ratio", "component=split,topology=wc,window=:all-time", 0.1},
		{"squall_topology_complete_latency_seconds", "topology=wc,window=600", 0.01},
		{"squall_topology_capacity_ratio", "topology=wc,window=600", 0.25},
		{"squall_component_recent_errors", "component=split,topology=wc", 2},
		{"squall_component_recent_errors", "component=sentences,topology=wc", 0},
		{"squall_component_last_error_timestamp_seconds", "component=split,topology=wc", 1_700_000_000.5},
	}
	for _, w := range want {
		v, ok := got[w.name][w.labels]
		if !ok {
			t.Errorf("%s{%s}: got no series (have %v), want %v", w.name, w.labels, got[w.name], w.value)
			continue
		}
		if v != w.value {
			t.Errorf("%s{%s}: got %v, want %v", w.name, w.labels, v, w.value)
		}
	}
	for _, series := range []string{"component=split,topology=wc,window=600", "component=sentences,topology=wc,window=10800"} {
		if v, ok := got["squall_component_complete_latency_seconds"][series]; ok {
			t.Errorf("complete latency {%s} without samples: got %v, want no series", series, v)
		}
	}
	if _, ok := got["squall_component_last_error_timestamp_seconds"]["component=sentences,topology=wc"]; ok {
		t.Errorf("last error time of a component without errors: got a series, want none")
	}
	if n := len(got["squall_component_tasks"]); n != 2 {
		t.Errorf("component series: got %d, want 2 (idle has no metrics)", n)
	}
	if ops := strings.Join(f.ops, ";"); ops != "cluster ;list ;status idle;status wc" {
		t.Errorf("requests: got %q, want cluster, list, then each topology's status", ops)
	}
}

// A follower exports that it follows and nothing of the cluster, so that
// scraping every nimbus counts nothing twice.
func TestNimbusCollectorFollower(t *testing.T) {
	got := collect(t, NewNimbusCollector(NimbusConfig{Nimbus: &fakeNimbus{follower: true}}))
	if got["squall_nimbus_leader"][""] != 0 || got["squall_nimbus_scrape_success"][""] != 1 {
		t.Errorf("follower: got leader %v success %v, want 0 and 1", got["squall_nimbus_leader"], got["squall_nimbus_scrape_success"])
	}
	for name := range got {
		if strings.HasPrefix(name, "squall_cluster_") || strings.HasPrefix(name, "squall_topology_") ||
			strings.HasPrefix(name, "squall_component_") {
			t.Errorf("follower: got %s, want no cluster metrics", name)
		}
	}
}

// A machine that does not answer gives a scrape that says so, rather than
// an error page or zeros that look like an idle cluster.
func TestNimbusCollectorUnavailable(t *testing.T) {
	f := &fakeNimbus{fail: context.DeadlineExceeded}
	got := collect(t, NewNimbusCollector(NimbusConfig{Nimbus: f, Timeout: time.Second}))
	if got["squall_nimbus_scrape_success"][""] != 0 {
		t.Errorf("scrape success: got %v, want 0", got["squall_nimbus_scrape_success"])
	}
	if _, ok := got["squall_cluster_slots"]; ok {
		t.Errorf("unavailable machine: got cluster metrics, want none")
	}
}

// A topology killed between the list and its status is left out without
// failing the scrape.
func TestNimbusCollectorVanishedTopology(t *testing.T) {
	got := collect(t, NewNimbusCollector(NimbusConfig{Nimbus: &fakeNimbus{vanished: "gone"}}))
	if got["squall_nimbus_scrape_success"][""] != 1 {
		t.Errorf("scrape success: got %v, want 1", got["squall_nimbus_scrape_success"])
	}
	if _, ok := got["squall_topology_workers"]["topology=gone"]; ok {
		t.Errorf("vanished topology: got its series, want none")
	}
	if _, ok := got["squall_topology_workers"]["topology=wc"]; !ok {
		t.Errorf("topology wc: got no series, want it")
	}
}

// The metrics follow Prometheus's naming rules, as promtool checks them.
func TestNimbusMetricsLint(t *testing.T) {
	problems, err := testutil.CollectAndLint(NewNimbusCollector(NimbusConfig{Nimbus: &fakeNimbus{}}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestNimbusCollectorRefusedCluster(t *testing.T) {
	f := &fakeNimbus{fail: errors.New("driver stopped")}
	got := collect(t, NewNimbusCollector(NimbusConfig{Nimbus: f}))
	if got["squall_nimbus_scrape_success"][""] != 0 || got["squall_nimbus_leader"][""] != 0 {
		t.Errorf("got success %v leader %v, want 0 and 0", got["squall_nimbus_scrape_success"], got["squall_nimbus_leader"])
	}
}
