package promexport

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// promtoolRequiredEnv, set by `make test` (which installs Debian's
// prometheus package), turns a missing promtool into a failure rather than
// a skip.
const promtoolRequiredEnv = "SQUALL_REQUIRE_PROMTOOL"

// promtool finds promtool, or skips (fails under make test) without it.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err == nil {
		return path
	}
	if os.Getenv(promtoolRequiredEnv) != "" {
		t.Fatalf("promtool: got %v, want it on PATH (%s is set; .ci/promtool.sh installs Debian's prometheus package)", err, promtoolRequiredEnv)
	}
	t.Skip("promtool not on PATH: install Debian's prometheus package (apt-get install prometheus) or run make test")
	return ""
}

// checkMetrics runs `promtool check metrics` on an exposition and fails t
// with promtool's complaints.
func checkMetrics(t *testing.T, exposition []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, promtool(t), "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: got %v:\n%s\nwant no problems; the exposition:\n%s", err, out, exposition)
	}
}

// scrape GETs url and returns the body, failing t unless the answer is 200.
func scrape(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %d %v: %s, want 200", url, resp.StatusCode, err, body)
	}
	return body
}

// A scrape of the served endpoint (the nimbus's collector, the supervisor's,
// and the Go runtime's and process's) passes promtool's checks.
func TestPromtoolCheckMetrics(t *testing.T) {
	path := promtool(t)
	reg := NewRegistry(NewNimbusCollector(NimbusConfig{Nimbus: &fakeNimbus{}}), NewSupervisorCollector(fakeSupervisor(fakeState()), 0, nil))
	srv := httptest.NewServer(Handler(HandlerConfig{Gatherer: reg}))
	defer srv.Close()
	body := scrape(t, srv.URL+Path)
	for _, name := range []string{"squall_component_emitted_tuples{", "squall_supervisor_worker_starts_total ", "go_goroutines "} {
		if !bytes.Contains(body, []byte(name)) {
			t.Errorf("scrape: got no %q, want it", name)
		}
	}
	checkMetrics(t, body)
	// promtool must be able to fail: a counter without _total is a problem.
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader("# HELP x_things a count\n# TYPE x_things counter\nx_things 1\n")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("promtool on a counter without _total: got success (%s), want a problem", out)
	}
}
