package scenarios

import "testing"

// errorsSeeds is how many seeds errors-reach-nimbus passes in make test
// (each run takes about 1 s of CPU).
const errorsSeeds = 4

// A bolt's ReportError reaches nimbus's status within errorsReachBound,
// and again after a leader failover.
func TestErrorsReachNimbus(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= errorsSeeds; seed++ {
		res, _ := Run("errors-reach-nimbus", Options{Seed: seed})
		if !res.Passed() {
			t.Errorf("seed %d: got %s %v, want pass; reproduce: %s", seed, res.Verdict, res.Violations, res.ReproduceCommand())
		}
		for _, m := range []string{"errors_reach_s", "errors_after_failover_s"} {
			if got, ok := res.Measures[m]; !ok || got > errorsReachBound.Seconds() {
				t.Errorf("seed %d: got %s = %v (measured %t), want at most %s", seed, m, got, ok, errorsReachBound)
			}
		}
	}
}
