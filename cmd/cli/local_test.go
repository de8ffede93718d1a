package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/squall/squall/core/protocol"
)

// Local mode runs the real drivers, the nimbus, supervisor and worker
// machines on the in-memory coordination model: word count must count.
func TestLocalWordCount(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a local cluster for seconds")
	}
	var out, errb bytes.Buffer
	code := Main([]string{"local", "--example", "wordcount", "--duration", "4s", "--json"},
		Env{Stdout: &out, Stderr: &errb, Ctx: context.Background()})
	if code != 0 {
		t.Fatalf("exit: got %d, want 0; stderr:\n%s", code, errb.String())
	}
	var sum localSummary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("summary: got %v for %q, want JSON", err, out.String())
	}
	if sum.Status != "ACTIVE" || sum.Workers != 2 {
		t.Fatalf("summary: got status %s with %d workers, want ACTIVE with 2", sum.Status, sum.Workers)
	}
	byName := map[string]protocol.Counts{}
	for _, c := range sum.Components {
		byName[c.Name] = c.AllTime
	}
	for _, name := range []string{"split", "count"} {
		// Bolts' acks, execute and process latencies and capacity are
		// measured on the workers' clocks, not left at 0.
		c := byName[name]
		if c.Executed <= 0 || c.Acked <= 0 || c.ExecuteLatency.Ms() <= 0 || c.ProcessLatency.Ms() <= 0 || c.Capacity <= 0 {
			t.Errorf("%s: got executed %d, acked %d, execute %v ms, process %v ms, capacity %v; want all > 0",
				name, c.Executed, c.Acked, c.ExecuteLatency.Ms(), c.ProcessLatency.Ms(), c.Capacity)
		}
	}
	if c := byName["sentences"]; c.Acked <= 0 || c.CompleteLatency.Ms() <= 0 {
		t.Errorf("sentences: got acked %d, complete latency %v ms; want both > 0", c.Acked, c.CompleteLatency.Ms())
	}
}

func TestLocalRefusesAnUnknownDataPlane(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"local", "--lanes", "thread"}, Env{Stdout: &out, Stderr: &errb, Ctx: context.Background()})
	if code != 2 || !strings.Contains(errb.String(), "want task or single") {
		t.Errorf("got exit %d with stderr %q, want 2 naming task or single", code, errb.String())
	}
}
