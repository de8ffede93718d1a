package metrics

import (
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// TestRecordingAllocationFree pins the hot path at zero allocations once a
// stream's windows exist, across bucket boundaries and whole-span gaps.
func TestRecordingAllocationFree(t *testing.T) {
	s := newStats(t, 0, 0.05)
	in, out := s.Stream("in"), s.Stream("out")
	now, calls := core.Time(0), 0
	allocs := testing.AllocsPerRun(10_000, func() {
		now += core.Time(7 * time.Second)
		if calls++; calls%100 == 0 {
			now += core.Time(25 * time.Hour)
		}
		s.Sample()
		s.Executed(now, in, time.Microsecond)
		s.BoltAcked(now, in, time.Microsecond)
		s.Emitted(now, out, 1)
		s.Transferred(now, out, 3)
		s.Acked(now, out, time.Millisecond)
		s.Failed(now, out)
	})
	if allocs != 0 {
		t.Errorf("got %v allocations per recorded tuple, want 0", allocs)
	}
}

// BenchmarkExecuted is one Executed call: executed count and execute latency,
// each in three rolling windows and all-time. Time advances 1 µs per call,
// so the 10-minute window's head moves every 30,000 calls.
func BenchmarkExecuted(b *testing.B) {
	s := newStats(b, 0, 1)
	in := s.Stream("words")
	now := core.Time(0)
	b.ReportAllocs()
	for b.Loop() {
		now += core.Time(time.Microsecond)
		s.Executed(now, in, 250*time.Nanosecond)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mexecuted/s")
}

// BenchmarkSampledTuple is what a bolt pays per tuple at the default rate
// 0.05: a Sample call, and an Executed call for one tuple in 20.
func BenchmarkSampledTuple(b *testing.B) {
	s := newStats(b, 0, DefaultSampleRate)
	in := s.Stream("words")
	now := core.Time(0)
	b.ReportAllocs()
	for b.Loop() {
		now += core.Time(time.Microsecond)
		if s.Sample() {
			s.Executed(now, in, 250*time.Nanosecond)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/tuple")
}

// BenchmarkSnapshot reads a task of four streams with every metric written.
func BenchmarkSnapshot(b *testing.B) {
	for _, p := range []Period{Last10m, AllTime} {
		b.Run(p.Key(), func(b *testing.B) {
			s, now := richStats(b, 1)
			streams := len(s.Snapshot(now, p).Streams)
			b.ReportAllocs()
			for b.Loop() {
				s.Snapshot(now, p)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(streams), "ns/stream")
		})
	}
}

// BenchmarkMarshalBinary encodes the same task, as a worker persisting it does.
func BenchmarkMarshalBinary(b *testing.B) {
	s, _ := richStats(b, 1)
	size := 0
	b.ReportAllocs()
	for b.Loop() {
		blob, err := s.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		size = len(blob)
	}
	b.ReportMetric(float64(size), "bytes")
}
