package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/httpapi"
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
	// The same as Storm UI's rows, which the text summary prints (three
	// decimals of milliseconds: a sub-microsecond execute shows 0.000).
	if len(sum.Spouts) != 1 || sum.Spouts[0].SpoutID != "sentences" ||
		sum.Spouts[0].CompleteLatency != ms3(byName["sentences"].CompleteLatency.Ms()) || sum.Spouts[0].CompleteLatency == "0.000" {
		t.Errorf("spouts: got %+v, want sentences with complete latency %s ms", sum.Spouts, ms3(byName["sentences"].CompleteLatency.Ms()))
	}
	for _, b := range sum.Bolts {
		c := byName[b.BoltID]
		if b.ExecuteLatency != ms3(c.ExecuteLatency.Ms()) || b.ProcessLatency != ms3(c.ProcessLatency.Ms()) ||
			b.Capacity != ms3(c.Capacity) || b.Executed != c.Executed {
			t.Errorf("bolt %s: got executed %d, execute %s ms, process %s ms, capacity %s; want %d, %s, %s, %s",
				b.BoltID, b.Executed, b.ExecuteLatency, b.ProcessLatency, b.Capacity,
				c.Executed, ms3(c.ExecuteLatency.Ms()), ms3(c.ProcessLatency.Ms()), ms3(c.Capacity))
		}
	}
	if len(sum.Bolts) != 2 {
		t.Errorf("bolts: got %d, want split and count", len(sum.Bolts))
	}
}

func ms3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// Local mode's text summary has Storm UI's columns (latencies, capacity)
// and each component's last error.
func TestPrintLocal(t *testing.T) {
	port, at, lapsed, task := core.Port(1), int64(1765148400), int64(3), core.TaskID(4)
	var b strings.Builder
	printLocal(&b, localSummary{Topology: "wc", Seconds: 4, Workers: 2, Supervisors: 2, Status: "ACTIVE",
		Spouts: []httpapi.Spout{{SpoutID: "sentences", Tasks: 2, Emitted: 10, CompleteLatency: "62.126"}},
		Bolts: []httpapi.Bolt{{BoltID: "split", Tasks: 4, Executed: 9, ExecuteLatency: "0.003", ProcessLatency: "0.001",
			Capacity: "0.107", LastError: httpapi.LastError{LastError: "split: bad line\nat ...", ErrorHost: "local",
				ErrorPort: &port, ErrorTime: &at, ErrorLapsedSecs: &lapsed, ErrorTask: &task}}}})
	got := b.String()
	for _, want := range []string{
		"component   type  tasks  emitted  transferred  executed  acked  failed  complete ms  execute ms  process ms  capacity",
		"sentences  spout      2       10            0         0      0       0       62.126           -           -         -",
		"    split   bolt      4        0            0         9      0       0            -       0.003       0.001     0.107",
		"  last error of split (3s ago, local:1, task 4): split: bad line ...",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary: got\n%s\nwant a line %q", got, want)
		}
	}
}

func TestLocalRefusesAnUnknownDataPlane(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"local", "--lanes", "thread"}, Env{Stdout: &out, Stderr: &errb, Ctx: context.Background()})
	if code != 2 || !strings.Contains(errb.String(), "want task or single") {
		t.Errorf("got exit %d with stderr %q, want 2 naming task or single", code, errb.String())
	}
}
