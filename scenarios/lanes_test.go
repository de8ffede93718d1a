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

// lanesAckAtInitSeedsMax bounds the lanes seeds the swarm needs to catch
// broken acking on the lanes plane.
const lanesAckAtInitSeedsMax = 6

// The swarm's at-least-once check runs on lanes seeds too: with acking
// broken (trees complete at emit) a lanes seed fails it.
func TestSwarmCatchesAckAtInitOnLanes(t *testing.T) {
	tried := 0
	for seed := uint64(1); seed <= 400 && tried < lanesAckAtInitSeedsMax; seed++ {
		if !SwarmSpec(seed).Cluster.Lanes {
			continue
		}
		tried++
		r := RunSwarmSeed(seed, Options{Break: BreakAckAtInit})
		if !r.Passed() && strings.Contains(strings.Join(r.Violations, "\n"), "acked but never reached the sink") {
			t.Logf("caught at lanes seed %d, the %d. lanes seed", seed, tried)
			return
		}
	}
	t.Errorf("got none of %d lanes seeds failing with acking broken, want one", tried)
}
