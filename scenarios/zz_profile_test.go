package scenarios

import "testing"

func BenchmarkZZAtLeastOnce(b *testing.B) {
	for i := 0; i < b.N; i++ {
		res, err := Run("at-least-once-chaos", Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Passed() {
			b.Fatalf("got %s %v", res.Verdict, res.Violations)
		}
		b.ReportMetric(res.Measures["tuple_hops_per_wall_s"], "hops/s")
		b.Logf("trace %s", res.TraceHash)
	}
}
