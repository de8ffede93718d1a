package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// DefaultSampleRate is Storm's topology.stats.sample.rate.
const DefaultSampleRate = 0.05

// SamplePeriodMax bounds the sampling period, so the lowest rate is 1/SamplePeriodMax.
const SamplePeriodMax = 1_000_000

// Sampler decides which events are measured, the way Storm's even sampler does:
// the events are cut into runs of Period = round(1/rate) consecutive events,
// and in each run exactly one, at a position drawn uniformly from the injected
// generator, is sampled. A sampled event stands for the Period events of its
// run, so counts are scaled by Weight() = Period: over whole runs the scaled
// count is exact, and within a run it is off by less than one Period. Rates
// that are not 1/integer round to the nearest period: 0.3 samples one event in
// 3. Latencies are averages and are not scaled.
//
// The point of sampling is to skip the clock reads of unsampled events, so a
// task asks Sample before it measures: one generator draw per run, nothing else.
type Sampler struct {
	rng    *rand.Rand
	period int64
	pos    int64 // position of the next event in the current run
	target int64 // the position sampled in the current run
}

// NewSampler returns a sampler at rate, 0 < rate ≤ 1, drawing from rng.
func NewSampler(rate float64, rng *rand.Rand) (*Sampler, error) {
	if !(rate > 0 && rate <= 1) || math.Round(1/rate) > SamplePeriodMax {
		return nil, fmt.Errorf("%w: sample rate %v outside [1/%d, 1]", ErrConfig, rate, SamplePeriodMax)
	}
	if rng == nil {
		return nil, fmt.Errorf("%w: nil random generator", ErrConfig)
	}
	period := int64(math.Round(1 / rate))
	return &Sampler{rng: rng, period: period, target: rng.Int64N(period)}, nil
}

// Sample reports whether the next event is to be measured and recorded.
func (s *Sampler) Sample() bool {
	if s.pos == s.period {
		s.newRun() // kept out of line, so Sample inlines on the hot path
	}
	hit := s.pos == s.target
	s.pos++
	return hit
}

// newRun starts the next run of period events at a random sampled position.
func (s *Sampler) newRun() {
	s.pos = 0
	s.target = s.rng.Int64N(s.period)
}

// Weight is the number of events one sampled event stands for: the period.
func (s *Sampler) Weight() int64 { return s.period }
