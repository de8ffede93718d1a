package scenarios

import (
	"strings"
	"testing"
)

// planesDiffSeeds is how many seeds planes-differential passes in make test.
const planesDiffSeeds = 3

// On deterministic topologies (word count's exact counts, the sequence's
// acked set, no faults) the lanes plane that real workers run and the
// single-executor plane give identical results, whatever interleaving of
// lanes the seed draws.
func TestPlanesDifferential(t *testing.T) {
	for seed := uint64(1); seed <= planesDiffSeeds; seed++ {
		res, _ := Run("planes-differential", Options{Seed: seed})
		if !res.Passed() {
			t.Errorf("seed %d: got %s %v, want pass; reproduce: %s", seed, res.Verdict, res.Violations, res.ReproduceCommand())
		}
		if res.Measures["acked_lanes"] != diffMessages {
			t.Errorf("seed %d: got %v numbers acked on lanes, want %d", seed, res.Measures["acked_lanes"], diffMessages)
		}
		t.Logf("seed %d: %v (%.1f s)", seed, res.Measures, res.WallSeconds)
	}
}

// The swarm's at-least-once check runs on lanes seeds too: seed 5, the
// first with a data plane, runs the lanes plane, and
// TestSwarmCatchesBrokenNimbus requires broken acking (trees complete at
// emit) caught there (a run of it takes about 20 s, too long to repeat
// here). Its tight-bound sibling 51 runs lanes that drop.
func TestSwarmLanesSeeds(t *testing.T) {
	if c := SwarmSpec(5).Cluster; !c.DataPlane || !c.Lanes {
		t.Errorf("seed 5: got data plane %v, lanes %v, want both (the ack-at-init catch runs on lanes)", c.DataPlane, c.Lanes)
	}
	r := RunSwarmSeed(51, Options{})
	if !r.Passed() || r.Measures["lanes"] != 1 || r.Measures["lane_drops"] == 0 {
		t.Errorf("seed 51: got %s %v with lanes %v and %v drops, want a pass on lanes with drops; replay: %s",
			r.Verdict, r.Violations, r.Measures["lanes"], r.Measures["lane_drops"], SwarmReplayCommand(51))
	}
}

// lanesSpec is a catalog scenario's spec run on the lanes plane.
func lanesSpec(t *testing.T, name string) *Spec {
	t.Helper()
	for _, s := range CatalogFiles() {
		if s.Name == name {
			c := *s
			c.Cluster.Lanes = true
			return &c
		}
	}
	t.Fatalf("got no catalog scenario %s, want one", name)
	return nil
}

// The activation checks see lanes workers too: on the lanes plane,
// deactivate-stops-spouts passes (the stepped lanes follow the status:
// no NextTuple while INACTIVE, again once ACTIVE), and lanes whose spouts
// ignore the status are caught calling NextTuple.
func TestDeactivateStopsSpoutsOnLanes(t *testing.T) {
	t.Parallel()
	s := lanesSpec(t, "deactivate-stops-spouts")
	res := RunSpec(s, Options{Seed: 1})
	if !res.Passed() || res.Measures["lanes"] != 1 {
		t.Errorf("got %s %v with lanes %v, want a pass on lanes", res.Verdict, res.Violations, res.Measures["lanes"])
	}
	res = RunSpec(s, Options{Seed: 1, Break: BreakIgnoreStatus})
	if res.Passed() || !strings.Contains(strings.Join(res.Violations, "\n"), "called NextTuple") {
		t.Errorf("got %s %v on lanes with the status ignored, want spouts caught calling NextTuple", res.Verdict, res.Violations)
	}
}

// A lanes swarm seed deactivates its topology as every data-plane seed
// does, and inactive_no_emits watches its lanes: seed 11 (lanes, default
// bounds) passes, and with the spouts ignoring the status it is caught.
func TestSwarmLanesSeedChecksActivation(t *testing.T) {
	const seed = 11
	s := SwarmSpec(seed)
	checks := map[string]bool{}
	for _, e := range s.Expect {
		checks[e.Check] = true
	}
	deactivates := 0
	for _, st := range s.Timeline {
		if st.Do == "deactivate" {
			deactivates++
		}
	}
	if !s.Cluster.Lanes || !checks["inactive_no_emits"] || deactivates == 0 {
		t.Fatalf("seed %d: got lanes %v, checks %v, %d deactivations, want lanes, inactive_no_emits and one",
			seed, s.Cluster.Lanes, s.Expect, deactivates)
	}
	if r := RunSwarmSeed(seed, Options{}); !r.Passed() || r.Measures["lanes"] != 1 {
		t.Errorf("seed %d: got %s %v with lanes %v, want a pass on lanes; replay: %s",
			seed, r.Verdict, r.Violations, r.Measures["lanes"], SwarmReplayCommand(seed))
	}
	r := RunSwarmSeed(seed, Options{Break: BreakIgnoreStatus})
	if r.Passed() || !strings.Contains(strings.Join(r.Violations, "\n"), "called NextTuple") {
		t.Errorf("seed %d: got %s %v on lanes with the status ignored, want spouts caught calling NextTuple",
			seed, r.Verdict, r.Violations)
	}
}
