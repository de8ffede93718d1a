package scenarios

import (
	"testing"
	"time"
)

// BenchmarkElectionChaosHour simulates one virtual hour of five candidates
// under faults (plus the liveness phase) per iteration and reports how many
// times faster than real time the simulation runs.
func BenchmarkElectionChaosHour(b *testing.B) {
	var virtual, events float64
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res, err := Run("election-chaos", Options{Seed: uint64(i + 1), FaultPhase: time.Hour, Nodes: 5})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Passed() {
			b.Fatalf("seed %d: got %s %v, want pass", i+1, res.Verdict, res.Violations)
		}
		virtual += res.VirtualSeconds
		events += float64(res.Events)
	}
	wall := time.Since(start).Seconds()
	b.ReportMetric(virtual/wall, "x-realtime")
	b.ReportMetric(events/wall, "events/s")
}
