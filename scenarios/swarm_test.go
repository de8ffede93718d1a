package scenarios

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// swarmTestSeeds is how many swarm seeds make test runs (about 25 s of
// wall time on a 2-vCPU box; SQUALL_SWARM_SEEDS overrides it).
const swarmTestSeeds = 200

func swarmSeeds(t *testing.T) uint64 {
	if v := os.Getenv("SQUALL_SWARM_SEEDS"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SQUALL_SWARM_SEEDS=%q: %v", v, err)
		}
		return n
	}
	return swarmTestSeeds
}

// TestSwarm runs the swarm over the first seeds: every seed must pass its
// safety phase under faults and converge in its liveness phase.
func TestSwarm(t *testing.T) {
	n := swarmSeeds(t)
	var total SwarmResult
	Swarm(1, n, 0, Options{}, func(r SwarmResult) {
		if !r.Passed() {
			t.Errorf("seed %d: got %s %v, want pass; replay: %s", r.Seed, r.Verdict, r.Violations, SwarmReplayCommand(r.Seed))
		}
		total.VirtualSeconds += r.VirtualSeconds
		total.WallSeconds += r.WallSeconds
	})
	t.Logf("%d seeds: %.0f virtual s in %.1f s of run time (%.0fx)", n, total.VirtualSeconds,
		total.WallSeconds, total.VirtualSeconds/max(total.WallSeconds, 1e-9))
}

var _ = strings.Contains
