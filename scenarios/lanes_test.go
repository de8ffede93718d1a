package scenarios

import (
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
