package scenarios

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The swarm's seeds draw every client operation, with and without a wait,
// every tight dimension, the join example and the backpressure load.
func TestSwarmDrawsClientOpsAndShapes(t *testing.T) {
	seen := map[string]int{}
	for seed := uint64(1); seed <= swarmTestSeeds; seed++ {
		s := SwarmSpec(seed)
		for _, st := range s.Timeline {
			k := st.Do
			if st.Do == "kill" || st.Do == "rebalance" {
				k += map[bool]string{true: " with wait", false: " without wait"}[st.Wait > 0]
			}
			seen[k]++
		}
		if s.Cluster.Tight != "" {
			seen["tight "+s.Cluster.Tight]++
		}
		for _, tp := range s.Topologies {
			seen["example "+tp.Example]++
		}
		if err := roundTrip(s); err != "" {
			t.Fatalf("seed %d: %s", seed, err)
		}
	}
	want := []string{"submit", "kill with wait", "kill without wait", "rebalance with wait",
		"rebalance without wait", "activate", "deactivate", "status", "tight cpu", "tight memory_mb",
		"tight network_mbps", "tight disk_mb", "example join", "example cycle", "example sequence"}
	for _, k := range want {
		if seen[k] == 0 {
			t.Errorf("%s: got 0 over %d seeds, want some", k, swarmTestSeeds)
		}
	}
	t.Logf("drawn over %d seeds: %v", swarmTestSeeds, seen)
}

// roundTrip: a swarm spec prints and parses back to the same file.
func roundTrip(s *Spec) string {
	back, err := ParseFile(s.Name, s.Format())
	if err != nil {
		return "its file does not parse: " + err.Error()
	}
	if got, want := string(back.Format()), string(s.Format()); got != want {
		return "got file\n" + got + "\nafter a round trip, want\n" + want
	}
	return ""
}

// Swarm seed 189 (tight memory) killed a topology with a wait; the
// scheduler, not told of the killed topology's workers, freed their memory
// and overcommitted their supervisor while they still ran.
func TestSwarmSeed189KilledTopologyHoldsCapacity(t *testing.T) {
	if r := RunSwarmSeed(189, Options{}); !r.Passed() {
		t.Fatalf("seed 189: got %v, want a pass", r.Violations)
	}
}

// mutantHeader is what each planted bug's patch states: the seeds the
// swarm runs and the violation text that counts as caught.
var mutantHeader = regexp.MustCompile(`(?m)^Seeds: [0-9]+-[0-9]+\nExpect: \S`)

// TestMutantsApply checks that every planted bug of testdata/mutants still
// applies cleanly to the tree and states its seeds and expected violation,
// so that `make mutants` (which runs them, minutes) keeps working.
func TestMutantsApply(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git to apply patches with")
	}
	patches, _ := filepath.Glob("testdata/mutants/*.patch")
	if len(patches) < 8 {
		t.Fatalf("got %d planted bugs in testdata/mutants, want at least 8", len(patches))
	}
	root, _ := filepath.Abs("..")
	for _, p := range patches {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !mutantHeader.Match(data) {
			t.Errorf("%s: got no Seeds:/Expect: header, want one", p)
		}
		abs, _ := filepath.Abs(p)
		cmd := exec.Command(git, "apply", "--check", abs)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: got %v (%s), want it to apply cleanly", p, err, strings.TrimSpace(string(out)))
		}
	}
}
