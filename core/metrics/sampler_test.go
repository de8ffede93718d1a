package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestNewSamplerRates(t *testing.T) {
	tests := []struct {
		rate       float64
		wantPeriod int64 // 0: an error
	}{
		{1, 1},
		{DefaultSampleRate, 20},
		{0.5, 2},
		{0.3, 3},
		{0.4, 3}, // 2.5 rounds up
		{0.01, 100},
		{1.0 / SamplePeriodMax, SamplePeriodMax},
		{0, 0},
		{-0.05, 0},
		{1.0001, 0},
		{0.1 / SamplePeriodMax, 0},
		{math.NaN(), 0},
		{math.Inf(1), 0},
	}
	for _, tt := range tests {
		s, err := NewSampler(tt.rate, rand.New(rand.NewPCG(1, 1)))
		switch {
		case tt.wantPeriod == 0 && !errors.Is(err, ErrConfig):
			t.Errorf("NewSampler(%v): got error %v, want ErrConfig", tt.rate, err)
		case tt.wantPeriod != 0 && err != nil:
			t.Errorf("NewSampler(%v): got error %v, want period %d", tt.rate, err, tt.wantPeriod)
		case tt.wantPeriod != 0 && s.Weight() != tt.wantPeriod:
			t.Errorf("NewSampler(%v): got weight %d, want %d", tt.rate, s.Weight(), tt.wantPeriod)
		}
	}
	if _, err := NewSampler(0.05, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("NewSampler with a nil generator: got %v, want ErrConfig", err)
	}
}

// TestSamplerStatistics checks Storm's even sampling: exactly one sampled
// event in every run of Period events, at a position uniform over the run.
func TestSamplerStatistics(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		const period, runs = 20, 10_000
		s, err := NewSampler(1.0/period, rand.New(rand.NewPCG(seed, 7)))
		if err != nil {
			t.Fatal(err)
		}
		var positions [period]int
		for run := range runs {
			hits := 0
			for pos := range period {
				if s.Sample() {
					hits++
					positions[pos]++
				}
			}
			if hits != 1 {
				t.Fatalf("seed %d run %d: got %d samples, want exactly 1", seed, run, hits)
			}
		}
		// Pearson's chi-square against uniform positions; 43.8 is the 99.9th
		// percentile of chi-square with 19 degrees of freedom.
		expected := float64(runs) / period
		chi2 := 0.0
		for _, got := range positions {
			chi2 += (float64(got) - expected) * (float64(got) - expected) / expected
		}
		if chi2 > 43.8 {
			t.Errorf("seed %d: positions %v: chi-square %.1f, want ≤ 43.8 (uniform)", seed, positions, chi2)
		}
	}
}

// TestSamplerScaledCount checks the scaled count of a sampled stream against
// the true count, for lengths that are not whole runs.
func TestSamplerScaledCount(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 0))
	for _, rate := range []float64{1, 0.5, 0.3, 0.05, 0.001} {
		for range 20 {
			s, err := NewSampler(rate, r)
			if err != nil {
				t.Fatal(err)
			}
			events := 1 + r.IntN(100_000)
			scaled := int64(0)
			for range events {
				if s.Sample() {
					scaled += s.Weight()
				}
			}
			if diff := scaled - int64(events); diff < -s.Weight() || diff > s.Weight() {
				t.Errorf("rate %v, %d events: scaled count %d, want within ±%d", rate, events, scaled, s.Weight())
			}
		}
	}
}

func TestSamplerDeterministic(t *testing.T) {
	draw := func() []bool {
		s, err := NewSampler(0.1, rand.New(rand.NewPCG(9, 9)))
		if err != nil {
			t.Fatal(err)
		}
		out := make([]bool, 1000)
		for i := range out {
			out[i] = s.Sample()
		}
		return out
	}
	a, b := draw(), draw()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("event %d: got %v then %v from the same seed", i, a[i], b[i])
		}
	}
}
