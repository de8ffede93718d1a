package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// promtoolRequiredEnv, set by `make test` (which installs Debian's
// prometheus package), turns a missing promtool into a failure.
const promtoolRequiredEnv = "SQUALL_REQUIRE_PROMTOOL"

// scrapeMetrics GETs https://addr/metrics (the cluster speaks TLS) with
// token ("" for none) and returns the status and body.
func (c *e2eCluster) scrapeMetrics(addr, token string) (int, []byte, error) {
	resp, err := c.api(token, 10*time.Second).Get("https://" + addr + "/metrics")
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// sample finds a series' value in an exposition: series is the name with
// its labels in Prometheus's (sorted) order, as `a{b="c"}`.
func sample(exposition []byte, series string) (float64, bool) {
	for _, line := range strings.Split(string(exposition), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// checkPromtool runs `promtool check metrics` on an exposition; it skips
// without promtool, unless make test (promtoolRequiredEnv) asks for it.
func checkPromtool(t *testing.T, what string, exposition []byte) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv(promtoolRequiredEnv) != "" {
			t.Fatalf("promtool: got %v, want it on PATH (%s is set)", err, promtoolRequiredEnv)
		}
		t.Logf("promtool not on PATH, %s not checked: install Debian's prometheus package or run make test", what)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics of %s: got %v:\n%s\nwant no problems", what, err, out)
	}
}

// On real daemons with authentication and TLS on, the leading nimbus's /metrics
// carries the cluster, the topology and its components' counts (non-zero:
// the bug was an exporter reading 0 everywhere), a follower's says it
// follows, a supervisor's carries its workers; all pass promtool, and a
// scrape without a token is refused.
func TestEndToEndMetrics(t *testing.T) {
	zk := e2eZK(t)
	c := newE2E(t, zk)
	c.startNimbus(2)
	c.startNimbus(1)
	c.startSupervisor(0)
	leader := c.leader()
	c.squall("submit", "--topology", "wordcount", "--name", e2eTopology, "--workers", "1")
	s := c.waitFor("counts flow", e2eStartBound, func() (bool, string) {
		s, err := c.status()
		if err != nil {
			return false, err.Error()
		}
		return executed(s, "count") > 0 && s.WorkersTotal == 1, fmt.Sprintf("%+v", s)
	})
	id := string(s.ID) // name-N-<submit secs>, as Storm's
	t.Logf("topology %s runs as %s", e2eTopology, id)

	if status, body, err := c.scrapeMetrics(leader.addr, ""); err != nil || status != http.StatusUnauthorized {
		t.Errorf("nimbus /metrics without a token: got %d %v %s, want 401", status, err, body)
	}
	var exp []byte
	executedSeries := `squall_component_executed_tuples{component="count",topology="` + id + `",window=":all-time"}`
	latencySeries := `squall_component_execute_latency_seconds{component="count",topology="` + id + `",window=":all-time"}`
	c.waitFor("executed counts in /metrics", e2eStartBound, func() (bool, string) {
		status, body, err := c.scrapeMetrics(leader.addr, e2eToken)
		if err != nil || status != http.StatusOK {
			return false, fmt.Sprintf("%d %v %s", status, err, body)
		}
		exp = body
		v, ok := sample(body, executedSeries)
		lat, latOK := sample(body, latencySeries)
		return ok && v > 0 && latOK && lat > 0, fmt.Sprintf("%s = %v (present %v), %s = %v (present %v)",
			executedSeries, v, ok, latencySeries, lat, latOK)
	})
	want := map[string]float64{
		`squall_nimbus_leader`:                           1,
		`squall_nimbus_scrape_success`:                   1,
		`squall_cluster_supervisors`:                     1,
		`squall_cluster_slots`:                           e2eSlotsPerSup,
		`squall_cluster_slots_used`:                      1,
		`squall_topology_workers{topology="` + id + `"}`: 1,
		`squall_topology_info{name="` + e2eTopology + `",owner="e2e",topology="` + id + `"}`: 1,
		`squall_topology_status{status="ACTIVE",topology="` + id + `"}`:                      1,
	}
	for series, w := range want {
		if v, ok := sample(exp, series); !ok || v != w {
			t.Errorf("nimbus %s: got %v (present %v), want %v", series, v, ok, w)
		}
	}
	for _, series := range []string{
		`squall_component_emitted_tuples{component="sentences",topology="` + id + `",window="600"}`,
		`squall_component_emitted_tuples_total{component="split",topology="` + id + `"}`,
	} {
		if v, ok := sample(exp, series); !ok || v <= 0 {
			t.Errorf("nimbus %s: got %v (present %v), want > 0", series, v, ok)
		}
	}
	checkPromtool(t, "the leader's /metrics", exp)

	for _, n := range c.nimbuses {
		if n == leader {
			continue
		}
		status, body, err := c.scrapeMetrics(n.addr, e2eToken)
		if v, ok := sample(body, "squall_nimbus_leader"); err != nil || status != http.StatusOK || !ok || v != 0 {
			t.Errorf("follower %s /metrics: got %d %v leader=%v (present %v), want 200 with squall_nimbus_leader 0", n.name, status, err, v, ok)
		}
		if _, ok := sample(body, "squall_cluster_slots"); ok {
			t.Errorf("follower %s /metrics: got cluster metrics, want them only from the leader", n.name)
		}
	}

	sup := c.sups[0]
	if status, body, err := c.scrapeMetrics(sup.addr, ""); err != nil || status != http.StatusUnauthorized {
		t.Errorf("supervisor /metrics without a token: got %d %v %s, want 401", status, err, body)
	}
	status, body, err := c.scrapeMetrics(sup.addr, e2eToken)
	if err != nil || status != http.StatusOK {
		t.Fatalf("supervisor /metrics: got %d %v %s, want 200", status, err, body)
	}
	for series, w := range map[string]float64{"squall_supervisor_scrape_success": 1, "squall_supervisor_registered": 1,
		"squall_supervisor_slots": e2eSlotsPerSup, "squall_supervisor_workers_running": 1} {
		if v, ok := sample(body, series); !ok || v != w {
			t.Errorf("supervisor %s: got %v (present %v), want %v", series, v, ok, w)
		}
	}
	if v, ok := sample(body, "squall_supervisor_worker_starts_total"); !ok || v < 1 {
		t.Errorf("supervisor squall_supervisor_worker_starts_total: got %v (present %v), want ≥ 1", v, ok)
	}
	checkPromtool(t, "the supervisor's /metrics", body)
}
