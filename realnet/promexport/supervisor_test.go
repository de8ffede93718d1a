package promexport

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/supervisor"
)

func fakeState() SupervisorState {
	return SupervisorState{Slots: []core.Port{6700, 6701, 6702}, Registered: true, Leader: "10.0.0.2:6627",
		Running: []protocol.WorkerStatus{
			{Topology: "wc", Port: 6700, Alive: true},
			{Topology: "wc", Port: 6702, Alive: false},
		},
		Stats: supervisor.Stats{Starts: 7, StartErrors: 1, Exits: 2, HeartbeatTimeouts: 3, Stops: 4, Adoptions: 5,
			Heartbeats: 99, Registrations: 2, Syncs: 11, SyncFailures: 1, PersistErrors: 0}}
}

func fakeSupervisor(st SupervisorState) SupervisorSource {
	return func(context.Context) (SupervisorState, error) { return st, nil }
}

func TestSupervisorCollector(t *testing.T) {
	got := collect(t, NewSupervisorCollector(fakeSupervisor(fakeState()), 0, nil))
	want := []struct {
		name, labels string
		value        float64
	}{
		{"squall_supervisor_scrape_success", "", 1},
		{"squall_supervisor_registered", "", 1},
		{"squall_supervisor_leader_known", "", 1},
		{"squall_supervisor_slots", "", 3},
		{"squall_supervisor_workers_running", "", 2},
		{"squall_supervisor_worker_alive", "port=6700,topology=wc", 1},
		{"squall_supervisor_worker_alive", "port=6702,topology=wc", 0},
		{"squall_supervisor_worker_starts_total", "", 7},
		{"squall_supervisor_worker_start_errors_total", "", 1},
		{"squall_supervisor_worker_exits_total", "", 2},
		{"squall_supervisor_worker_heartbeat_timeouts_total", "", 3},
		{"squall_supervisor_worker_stops_total", "", 4},
		{"squall_supervisor_worker_adoptions_total", "", 5},
		{"squall_supervisor_heartbeats_total", "", 99},
		{"squall_supervisor_registrations_total", "", 2},
		{"squall_supervisor_assignment_syncs_total", "", 11},
		{"squall_supervisor_assignment_sync_failures_total", "", 1},
		{"squall_supervisor_persist_errors_total", "", 0},
	}
	for _, w := range want {
		v, ok := got[w.name][w.labels]
		if !ok || v != w.value {
			t.Errorf("%s{%s}: got %v (present %v), want %v", w.name, w.labels, v, ok, w.value)
		}
	}
}

func TestSupervisorCollectorUnavailable(t *testing.T) {
	src := func(context.Context) (SupervisorState, error) { return SupervisorState{}, errors.New("driver stopped") }
	got := collect(t, NewSupervisorCollector(src, 0, nil))
	if got["squall_supervisor_scrape_success"][""] != 0 {
		t.Errorf("scrape success: got %v, want 0", got["squall_supervisor_scrape_success"])
	}
	if _, ok := got["squall_supervisor_slots"]; ok {
		t.Errorf("unavailable machine: got slots, want nothing but the scrape's success")
	}
}

func TestSupervisorMetricsLint(t *testing.T) {
	problems, err := testutil.CollectAndLint(NewSupervisorCollector(fakeSupervisor(fakeState()), 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}
