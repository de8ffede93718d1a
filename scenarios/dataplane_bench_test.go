package scenarios

import (
	"testing"
	"time"
)

// BenchmarkAtLeastOnceChaosHops runs at-least-once-chaos, one seed per
// iteration, and reports the simulated tuple hops (spout → relay → sink,
// replays included) carried per wall second, set-up and checking included:
// the scenario's own tuple_hops_per_wall_s over all iterations.
func BenchmarkAtLeastOnceChaosHops(b *testing.B) {
	var hops float64
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res, err := Run("at-least-once-chaos", Options{Seed: uint64(i + 1)})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Passed() {
			b.Fatalf("seed %d: got %s %v, want pass", i+1, res.Verdict, res.Violations)
		}
		hops += res.Measures["tuple_hops"]
	}
	b.ReportMetric(hops/time.Since(start).Seconds(), "hops/s")
}
