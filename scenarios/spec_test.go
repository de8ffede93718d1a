package scenarios

import (
	"strings"
	"testing"
)

func TestCatalogFilesParse(t *testing.T) {
	specs := CatalogFiles()
	if len(specs) < 16 {
		t.Fatalf("got %d catalog files, want at least 16", len(specs))
	}
	for _, s := range specs {
		if s.Engine == "go" {
			if _, ok := goBody(s.Name); !ok {
				t.Errorf("%s: engine go, got no Go body registered, want one", s.Name)
			}
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"no name", "description: x\n", `missing required key "name"`},
		{"bad name", "name: Big_Name\n", `line 1: name: want [a-z0-9-]+`},
		{"unknown key", "name: x\nseed: 3\n", `line 2: unknown key "seed"`},
		{"duplicate", "name: x\nliveness: 1s\nliveness: 2s\n", `line 3: duplicate key "liveness"`},
		{"nimbuses", "name: x\ncluster:\n  nimbuses: two\n", `line 3: cluster.nimbuses: want an integer, got "two"`},
		{"range", "name: x\ncluster:\n  supervisors: 0\n", `line 3: cluster.supervisors: want 1 to 64`},
		{"example", "name: x\ntopologies:\n  - name: a\n    example: nope\n", `line 4: topologies[0].example: want one of`},
		{"action", "name: x\ntimeline:\n  - at: 1s\n    do: explode\n", `line 4: timeline[0].do: unknown action "explode"`},
		{"duration", "name: x\ntimeline:\n  - at: soon\n    do: heal_all\n", `line 3: timeline[0].at: want a duration`},
		{"missing for", "name: x\ntimeline:\n  - at: 1s\n    do: pause\n    node: sup-1\n", `missing required key "for"`},
		{"key of other action", "name: x\ntimeline:\n  - at: 1s\n    do: reset\n    node: sup-1\n    rate: 2\n", `line 6: timeline[0]: unknown key "rate"`},
		{"node", "name: x\ntimeline:\n  - {at: 1s, do: crash, node: moon}\n", `line 3: unknown node "moon"`},
		{"drift", "name: x\ntimeline:\n  - {at: 1s, do: clock_drift, node: sup-1, rate: 20}\n", `line 3: timeline[0].rate: want a clock rate`},
		{"check", "name: x\nexpect:\n  - check: magic\n", `line 3: expect[0].check: unknown check "magic"`},
		{"measure", "name: x\nexpect:\n  - measure: speed\n    max: 3\n", `line 3: expect[0].measure: unknown measure`},
		{"chaos", "name: x\nchaos:\n  from: 5s\n  until: 2s\n", `line 4: chaos.until: want after from`},
		{"weights", "name: x\nchaos:\n  until: 2s\n  weights: {meteor: 1}\n", `unknown fault kind`},
		{"tab", "name: x\ncluster:\n\tslots: 2\n", "line 3: tab in indentation"},
		{"submit", "name: x\ntimeline:\n  - {at: 1s, do: submit, topology: ghost}\n", `line 3: submit of "ghost"`},
	}
	for _, tt := range tests {
		_, err := ParseFile("t.yaml", []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// A swarm spec printed as a file parses back to the same file.
func TestSpecFormatRoundTrip(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		s := SwarmSpec(seed)
		back, err := ParseFile("swarm.yaml", s.Format())
		if err != nil {
			t.Fatalf("seed %d: got %v parsing\n%s", seed, err, s.Format())
		}
		if got, want := string(back.Format()), string(s.Format()); got != want {
			t.Errorf("seed %d: got\n%s\nwant\n%s", seed, got, want)
		}
	}
}

// The file a failing swarm seed is saved as reproduces the run: same hash.
func TestSwarmFileReproducesSeed(t *testing.T) {
	for _, seed := range []uint64{3, 17} {
		r := RunSwarmSeed(seed, Options{})
		s, err := ParseFile("swarm.yaml", r.Spec.Format())
		if err != nil {
			t.Fatal(err)
		}
		if got := RunSpec(s, Options{Seed: seed}); got.TraceHash != r.TraceHash {
			t.Errorf("seed %d: got hash %s from the file, want %s", seed, got.TraceHash, r.TraceHash)
		}
	}
}

// Replay reproduces the first run's trace hash, with the picture attached.
func TestReplayReproducesHash(t *testing.T) {
	for _, name := range []string{"nimbus-leader-crash", "election-chaos", "worker-crash-loop"} {
		sc, _ := Lookup(name)
		first := sc.Run(Options{Seed: 5})
		again, tl := Replay(sc.Run, Options{Seed: 5})
		if again.TraceHash != first.TraceHash || len(tl.Events) == 0 {
			t.Errorf("%s: got replay hash %s with %d picture events, want %s and some events",
				name, again.TraceHash, len(tl.Events), first.TraceHash)
		}
	}
	first := RunSwarmSeed(9, Options{})
	again, tl := Replay(func(o Options) Result { return RunSwarmSeed(o.Seed, o).Result }, Options{Seed: 9})
	var b strings.Builder
	if err := tl.WriteHTML(&b, "swarm 9", again); err != nil {
		t.Fatal(err)
	}
	if again.TraceHash != first.TraceHash || !strings.Contains(b.String(), "<svg") || strings.Contains(b.String(), "http") {
		t.Errorf("swarm 9: got replay hash %s (want %s) or a picture that is not self-contained", again.TraceHash, first.TraceHash)
	}
}

// Every scenario registered in Go has a catalog file.
func TestEveryScenarioHasAFile(t *testing.T) {
	for _, s := range List() {
		if s.Spec == nil {
			t.Errorf("%s: got no catalog file, want scenarios/catalog/%s.yaml (engine: go)", s.Name, s.Name)
		}
	}
}
