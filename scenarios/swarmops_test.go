package scenarios

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
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

// movedFromKept names a task that left a slot the new plan keeps, and
// nothing for tasks that left a dead (dropped) slot or joined a kept one.
func TestMovedFromKept(t *testing.T) {
	w := func(sup string, port int, tasks ...core.TaskID) protocol.WorkerAssignment {
		return protocol.WorkerAssignment{Supervisor: core.SupervisorID(sup), Port: core.Port(port), Tasks: tasks}
	}
	plan := func(ws ...protocol.WorkerAssignment) protocol.Assignment { return protocol.Assignment{Workers: ws} }
	tests := []struct {
		name      string
		old, next protocol.Assignment
		want      string
	}{
		{"unchanged", plan(w("sup-1", 6700, 1, 2), w("sup-2", 6700, 3)),
			plan(w("sup-1", 6700, 1, 2), w("sup-2", 6700, 3)), ""},
		{"dead slot's tasks move", plan(w("sup-1", 6700, 1, 2), w("sup-2", 6700, 3)),
			plan(w("sup-1", 6700, 1, 2), w("sup-3", 6701, 3)), ""},
		{"a kept slot gains", plan(w("sup-1", 6700, 1, 2), w("sup-2", 6700, 3)),
			plan(w("sup-1", 6700, 1, 2, 3)), ""},
		{"a kept slot loses", plan(w("sup-1", 6700, 1, 2), w("sup-2", 6700, 3)),
			plan(w("sup-1", 6700, 1), w("sup-3", 6700, 2, 3)), "task 2 out of sup-1:6700"},
	}
	for _, tt := range tests {
		if got := movedFromKept(tt.old, tt.next); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// The ledger notes the first number a second sink task saw.
func TestLedgerSawAtSplit(t *testing.T) {
	l := newLedger()
	l.SawAt("seq", 7, 3)
	l.SawAt("seq", 7, 3)
	l.SawAt("seq", 9, 4)
	if sp := l.of("seq").split; sp.seq != 0 {
		t.Fatalf("got split %+v after one task per number, want none", sp)
	}
	l.SawAt("seq", 9, 5)
	if sp := l.of("seq").split; sp.seq != 9 || sp.first != 4 || sp.then != 5 {
		t.Errorf("got split %+v, want number 9 at task 4 then 5", sp)
	}
}
