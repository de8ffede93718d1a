package scenarios

import (
	"testing"
)

// electionSeeds is how many seeds the determinism test runs twice;
// electionPassSeeds how many must pass.
const (
	electionSeeds     = 20
	electionPassSeeds = 100
)

func TestElectionChaosPasses(t *testing.T) {
	for seed := uint64(1); seed <= electionPassSeeds; seed++ {
		res, err := Run("election-chaos", Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Passed() {
			t.Errorf("seed %d: got verdict %s (%v), want pass; reproduce: %s",
				seed, res.Verdict, res.Violations, res.ReproduceCommand())
		}
	}
}

// TestElectionChaosTraceHashDeterministic runs each seed twice: the trace hash
// must repeat, and differ between neighbouring seeds.
func TestElectionChaosTraceHashDeterministic(t *testing.T) {
	seen := map[string]uint64{}
	for seed := uint64(1); seed <= electionSeeds; seed++ {
		a, _ := Run("election-chaos", Options{Seed: seed})
		b, _ := Run("election-chaos", Options{Seed: seed})
		if a.TraceHash != b.TraceHash || a.Events != b.Events {
			t.Errorf("seed %d: got hashes %s (%d events) and %s (%d events), want equal",
				seed, a.TraceHash, a.Events, b.TraceHash, b.Events)
		}
		if other, dup := seen[a.TraceHash]; dup {
			t.Errorf("seed %d: got the trace hash of seed %d, want a different one", seed, other)
		}
		seen[a.TraceHash] = seed
	}
}

// Of the first unfencedSeeds seeds, at least unfencedCaughtMin must catch a
// leader that writes without fencing (18 of 20 do as of writing).
const (
	unfencedSeeds     = 20
	unfencedCaughtMin = 5
)

func TestElectionChaosCatchesUnfencedLeader(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= unfencedSeeds; seed++ {
		res, _ := Run("election-chaos", Options{Seed: seed, Break: BreakUnfenced})
		if !res.Passed() {
			caught++
			t.Logf("seed %d: caught: %v", seed, res.Violations[0])
		}
	}
	if caught < unfencedCaughtMin {
		t.Fatalf("got %d failing seeds of %d with fencing disabled, want at least %d",
			caught, unfencedSeeds, unfencedCaughtMin)
	}
}
