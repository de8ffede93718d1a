package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSimList(t *testing.T) {
	code, out, _ := runCLI(t, "sim", "list")
	if code != 0 {
		t.Fatalf("got exit %d, want 0", code)
	}
	if !strings.Contains(out, "election-chaos\n") {
		t.Errorf("got list %q, want it to name election-chaos on its own line", out)
	}
}

func TestSimRunJSON(t *testing.T) {
	runJSON := func(seed string) map[string]any {
		code, out, errOut := runCLI(t, "sim", "run", "--scenario", "election-chaos", "--seed", seed, "--json")
		if code != 0 {
			t.Fatalf("seed %s: got exit %d (%s), want 0", seed, code, errOut)
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(out), &obj); err != nil {
			t.Fatalf("seed %s: got output %q, want one JSON object: %v", seed, out, err)
		}
		return obj
	}
	a, b, c := runJSON("7"), runJSON("7"), runJSON("8")
	for _, key := range []string{"scenario", "seed", "verdict", "virtual_seconds", "wall_seconds",
		"events", "trace_hash", "violations", "measures"} {
		if _, ok := a[key]; !ok {
			t.Errorf("got no %q in %v, want it", key, a)
		}
	}
	if a["verdict"] != "pass" {
		t.Errorf("got verdict %v, want pass", a["verdict"])
	}
	if a["trace_hash"] != b["trace_hash"] {
		t.Errorf("seed 7 twice: got trace hashes %v and %v, want equal", a["trace_hash"], b["trace_hash"])
	}
	if a["trace_hash"] == c["trace_hash"] {
		t.Errorf("seeds 7 and 8: got the same trace hash %v, want different", a["trace_hash"])
	}
}

func TestSimRunErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sim", "run", "--scenario", "no-such", "--seed", "1"}, "unknown scenario"},
		{[]string{"sim", "run"}, "usage"},
		{[]string{"sim", "nope"}, "unknown subcommand"},
		{[]string{"nope"}, "unknown command"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: got exit %d stderr %q, want exit 2 mentioning %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestSimRunTraceFile(t *testing.T) {
	path := t.TempDir() + "/trace.txt"
	code, out, _ := runCLI(t, "sim", "run", "--scenario", "election-chaos", "--seed", "3", "--trace", path)
	if code != 0 || !strings.Contains(out, "pass") {
		t.Fatalf("got exit %d output %q, want a pass", code, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(data), "\n")
	if lines < 1000 || !strings.Contains(string(data), "nimbus-1 tick") {
		t.Errorf("got a trace of %d lines, want over 1000 with node ticks", lines)
	}
}
