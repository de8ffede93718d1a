package scenarios

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Swarm seeds replayed by TestSwarmReplaysSameHash. Seeds 37 and 360 once
// replayed to two hashes each, about one run in four: pebble's cleaner
// deleted obsolete files on its own goroutine, racing the directory syncs
// that made the deletions durable, so what a crash kept differed (fixed by
// storage.Options.Quiesce). They are replayed more often, so that a leak like
// it fails the test nearly always, not one run in two.
const (
	replaySeedsTo      = 48 // seeds 1..48, plus the leaky ones
	replayRuns         = 2
	replayLeakyRuns    = 8
	replaySeedsEnv     = "SQUALL_REPLAY_SEEDS" // "A-B": replay these seeds instead
	replayRunsEnv      = "SQUALL_REPLAY_RUNS"  // runs of each seed; default replayRuns
	replayRunsMax      = 100
	replaySeedsSpanMax = 1_000_000
)

var replayLeakySeeds = []uint64{37, 360}

// TestSwarmReplaysSameHash: every swarm seed, run several times in one
// process, gives one trace hash. SQUALL_REPLAY_SEEDS=1-2000 SQUALL_REPLAY_RUNS=3 makes it a long
// sweep.
func TestSwarmReplaysSameHash(t *testing.T) {
	runs := replayRunsFor(t)
	for _, seed := range replaySeedList(t) {
		if hashes := distinct(runs[seed]); len(hashes) > 1 {
			t.Errorf("seed %d: got %d different trace hashes over %d runs (%s), want one; replay: %s",
				seed, len(hashes), len(runs[seed]), strings.Join(hashes, ", "), SwarmReplayCommand(seed))
		}
	}
}

// replaySeedList is the seeds to replay, in order: the env range, or 1..48
// and the leaky seeds.
func replaySeedList(t *testing.T) []uint64 {
	from, to := uint64(1), uint64(replaySeedsTo)
	if v := os.Getenv(replaySeedsEnv); v != "" {
		a, b, ok := strings.Cut(v, "-")
		var err1, err2 error
		from, err1 = strconv.ParseUint(a, 10, 64)
		to, err2 = strconv.ParseUint(b, 10, 64)
		if !ok || err1 != nil || err2 != nil || from > to || to-from >= replaySeedsSpanMax {
			t.Fatalf("%s=%q: want A-B with A <= B, at most %d seeds", replaySeedsEnv, v, replaySeedsSpanMax)
		}
	}
	var seeds []uint64
	for s := from; s <= to; s++ {
		seeds = append(seeds, s)
	}
	if os.Getenv(replaySeedsEnv) == "" {
		for _, s := range replayLeakySeeds {
			if s > to {
				seeds = append(seeds, s)
			}
		}
	}
	return seeds
}

// replayRunsFor runs every seed of replaySeedList its number of times and
// returns each seed's hashes. It runs one seed at a time: pebble's goroutines
// then find idle cores and race the simulator's goroutine at full speed (the
// leak above showed in one sequential run in four, and hardly ever while every
// core ran a seed).
func replayRunsFor(t *testing.T) map[uint64][]string {
	n := replayRuns
	if v := os.Getenv(replayRunsEnv); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		if err != nil || n < 2 || n > replayRunsMax {
			t.Fatalf("%s=%q: want a count in [2, %d]", replayRunsEnv, v, replayRunsMax)
		}
	}
	runs := map[uint64][]string{}
	for _, seed := range replaySeedList(t) {
		k := n
		if slices.Contains(replayLeakySeeds, seed) {
			k = max(n, replayLeakyRuns)
		}
		for range k {
			runs[seed] = append(runs[seed], runSwarmSafely(seed, Options{}).TraceHash)
		}
	}
	return runs
}

// distinct returns the different hashes with their counts, sorted.
func distinct(hashes []string) []string {
	count := map[string]int{}
	for _, h := range hashes {
		count[h]++
	}
	out := make([]string, 0, len(count))
	for h, c := range count {
		out = append(out, fmt.Sprintf("%s x%d", h, c))
	}
	sort.Strings(out)
	return out
}
