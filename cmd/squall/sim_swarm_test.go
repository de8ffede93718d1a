package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimRunFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("name: tiny\ntopologies:\n  - {name: wc, example: wordcount, workers: 2}\n"+
		"timeline:\n  - {at: 15s, do: crash, node: leader, for: 5s}\nliveness: 30s\nexpect:\n  - check: leader\n"), 0o644)
	if code, out, errOut := runCLI(t, "sim", "run", "--file", good, "--seed", "2"); code != 0 {
		t.Errorf("got exit %d (%s%s), want 0", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: tiny\ncluster:\n  nimbuses: two\n"), 0o644)
	code, _, errOut := runCLI(t, "sim", "run", "--file", bad)
	if code != 2 || !strings.Contains(errOut, "line 3: cluster.nimbuses") {
		t.Errorf("got exit %d stderr %q, want 2 naming line 3", code, errOut)
	}
}

func TestSimSwarmJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "sim", "swarm", "--seeds", "1-4", "--parallel", "2", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 5 {
		t.Fatalf("got exit %d and %d lines (%s), want 0 and 5", code, len(lines), errOut)
	}
	for i, l := range lines[:4] {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil || obj["seed"] != float64(i+1) {
			t.Errorf("line %d: got %q, want seed %d in order", i, l, i+1)
		}
	}
	if !strings.Contains(lines[4], `"summary":true`) || !strings.Contains(lines[4], "seeds_per_second") {
		t.Errorf("got summary %q, want seeds_per_second", lines[4])
	}
}

func TestSimReplayHTML(t *testing.T) {
	out := filepath.Join(t.TempDir(), "t.html")
	_, first, _ := runCLI(t, "sim", "run", "--scenario", "nimbus-leader-crash", "--seed", "4", "--json")
	code, rep, errOut := runCLI(t, "sim", "replay", "--scenario", "nimbus-leader-crash", "--seed", "4", "--html", out)
	var res map[string]any
	json.Unmarshal([]byte(first), &res)
	if code != 0 || !strings.Contains(rep, "trace hash "+res["trace_hash"].(string)) {
		t.Errorf("got exit %d output %q (%s), want the first run's hash %v", code, rep, errOut, res["trace_hash"])
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), "<svg") || !strings.Contains(string(data), "leader") {
		t.Errorf("got %d bytes of HTML (%v), want an SVG timeline with leadership", len(data), err)
	}
}

func TestSimUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"sim", "swarm", "--seeds", "9-1"}, {"sim", "replay", "--seed", "1"},
		{"sim", "replay", "--swarm", "--scenario", "x"}, {"sim", "run", "--file", "/nonexistent.yaml"},
	} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: got exit %d, want 2", args, code)
		}
	}
}

// A failing swarm seed prints its replay command and is saved as a file
// that reproduces the failure with sim run --file.
func TestSimSwarmSavesFailures(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "sim", "swarm", "--seeds", "1-2", "--break", "overcommit", "--out", dir)
	if code != 1 || !strings.Contains(out, "replay: go run ./cmd/squall sim replay --swarm --seed 1 --break overcommit") {
		t.Fatalf("got exit %d output %q, want 1 with the replay command", code, out)
	}
	file := filepath.Join(dir, "swarm-1.yaml")
	code, out, errOut := runCLI(t, "sim", "run", "--file", file, "--seed", "1", "--break", "overcommit")
	if code != 1 || !strings.Contains(out, "over capacity") || !strings.Contains(errOut, "sim run --file "+file+" --seed 1") {
		t.Errorf("got exit %d output %q stderr %q, want the failure again and its command", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "sim", "run", "--file", file, "--seed", "1"); code != 0 {
		t.Errorf("got exit %d running the saved file unbroken, want 0", code)
	}
}
