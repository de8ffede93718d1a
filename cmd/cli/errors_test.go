package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/httpapi"
)

// errorsNimbus answers status for "wc" as core/nimbus does, with two
// errors of split, newest first.
type errorsNimbus struct{}

func (errorsNimbus) Request(_ context.Context, req protocol.ClientRequest) (protocol.ClientReply, error) {
	if req.Op != protocol.OpStatus || (req.Topology != "wc" && req.Topology != "wc-1-1") {
		return protocol.ClientReply{ID: req.ID, Error: "nimbus: unknown topology " + req.Topology}, nil
	}
	at := core.Time(time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC).UnixNano())
	return protocol.ClientReply{ID: req.ID, OK: true, Topologies: []protocol.TopologySummary{{
		ID: "wc-1-1", Name: "wc", Status: protocol.StatusActive,
		Components: []protocol.ComponentSummary{{Name: "count", Tasks: 1, AllTime: protocol.Counts{Executed: 8, Acked: 8,
			ExecuteLatency: protocol.Latency{Samples: 2, SumNanos: 5_000_000}, ProcessLatency: protocol.Latency{Samples: 2, SumNanos: 7_000_000},
			Capacity: 0.25}}, {Name: "split", Tasks: 2, Errors: []protocol.TaskError{
			{Component: "split", Task: 3, Error: "split: bad line\nsecond line", TimeNs: at, Seq: 2, Host: "h1", Port: 6701, AgeSecs: 5},
			{Component: "split", Task: 4, Error: "split: older", TimeNs: at - core.Time(time.Minute), Seq: 1, Host: "h2", Port: 6700, AgeSecs: 65},
		}}}}}}, nil
}

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	srv := httptest.NewServer(httpapi.NewServer(httpapi.ServerConfig{Nimbus: errorsNimbus{}}))
	t.Cleanup(srv.Close)
	var out, errb bytes.Buffer
	args = append(args, "-c", "nimbus.seeds="+strings.TrimPrefix(srv.URL, "http://"))
	code := Main(args, Env{Stdout: &out, Stderr: &errb, Ctx: context.Background()})
	return out.String(), errb.String(), code
}

// `squall get-errors` lists each component's errors, newest first, with
// time, host, port and task; --json gives the same as Storm UI's fields.
func TestGetErrors(t *testing.T) {
	out, errs, code := runCLI(t, "get-errors", "wc")
	if code != 0 {
		t.Fatalf("exit: got %d, want 0; stderr %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{
		"COMPONENT  TIME                 AGO  HOST:PORT  TASK  ERROR",
		"split      2026-12-07 23:00:00  5s   h1:6701    3     split: bad line ...",
		"split      2026-12-07 22:59:00  65s  h2:6700    4     split: older",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", out, strings.Join(want, "\n"))
	}
	out, _, code = runCLI(t, "get-errors", "wc", "--json")
	var entries []ErrorsEntry
	if err := json.Unmarshal([]byte(out), &entries); code != 0 || err != nil {
		t.Fatalf("--json: got exit %d, %v for %q; want JSON", code, err, out)
	}
	if len(entries) != 2 || entries[0].Component != "split" || entries[0].TimeMs != time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC).UnixMilli() || entries[1].Host != "h2" {
		t.Errorf("--json: got %+v, want the two errors of split, newest first", entries)
	}
	if !strings.Contains(out, `"errorHost": "h1"`) || !strings.Contains(out, `"errorLapsedSecs": 5`) {
		t.Errorf("--json: got %s, want Storm UI's field names", out)
	}
	if _, errs, code := runCLI(t, "get-errors"); code != 2 || !strings.Contains(errs, "usage: squall get-errors TOPOLOGY") {
		t.Errorf("no topology: got exit %d, stderr %q; want 2 and the usage", code, errs)
	}
	if _, errs, code := runCLI(t, "get-errors", "nope"); code != 1 || !strings.Contains(errs, "unknown topology") {
		t.Errorf("unknown topology: got exit %d, stderr %q; want 1 naming it", code, errs)
	}
}

// `squall status` shows each component's last error under its counts.
func TestStatusShowsLastError(t *testing.T) {
	out, errs, code := runCLI(t, "status", "wc")
	if code != 0 {
		t.Fatalf("exit: got %d, want 0; stderr %s", code, errs)
	}
	want := "  last error of split (5s ago, h1:6701, task 3): split: bad line ..."
	if !strings.Contains(out, want) || strings.Contains(out, "last error of count") {
		t.Errorf("got\n%s\nwant a line %q and none for count", out, want)
	}
	// Latencies and capacity, as Storm UI's bolt table.
	for _, want := range []string{"complete ms  execute ms  process ms  capacity",
		"count  bolt      1        0            0         8      8       0            -       2.500       3.500     0.250"} {
		if !strings.Contains(out, want) {
			t.Errorf("got\n%s\nwant a line containing %q", out, want)
		}
	}
}
