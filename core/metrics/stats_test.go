package metrics

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// newStats returns stats of task 7 started at start, recording at rate.
func newStats(t testing.TB, start core.Time, rate float64) *TaskStats {
	t.Helper()
	s, err := New(7, start, rand.New(rand.NewPCG(1, 2)), Config{SampleRate: rate})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPeriods(t *testing.T) {
	tests := []struct {
		p      Period
		key    string
		length time.Duration
	}{
		{Last10m, "600", 10 * time.Minute},
		{Last3h, "10800", 3 * time.Hour},
		{Last1d, "86400", 24 * time.Hour},
		{AllTime, ":all-time", 0},
	}
	for _, tt := range tests {
		if tt.p.Key() != tt.key || tt.p.String() != tt.key || tt.p.Length() != tt.length {
			t.Errorf("period %d: got %q %v, want %q %v", tt.p, tt.p.Key(), tt.p.Length(), tt.key, tt.length)
		}
		if got, err := ParsePeriod(tt.key); got != tt.p || err != nil {
			t.Errorf("ParsePeriod(%q) = %v, %v, want %v", tt.key, got, err, tt.p)
		}
	}
	for _, bad := range []string{"", "60", "all-time", "600 "} {
		if _, err := ParsePeriod(bad); !errors.Is(err, ErrConfig) {
			t.Errorf("ParsePeriod(%q): got %v, want ErrConfig", bad, err)
		}
	}
}

func TestNewConfig(t *testing.T) {
	tests := []struct {
		cfg        Config
		ok         bool
		wantWeight int64
	}{
		{Config{}, true, 20},
		{Config{SampleRate: 1, Buckets: 1}, true, 1},
		{Config{Buckets: BucketsMax}, true, 20},
		{Config{Buckets: -1}, false, 0},
		{Config{Buckets: BucketsMax + 1}, false, 0},
		{Config{SampleRate: 2}, false, 0},
	}
	for _, tt := range tests {
		s, err := New(1, at(9), rand.New(rand.NewPCG(1, 2)), tt.cfg)
		if tt.ok != (err == nil) || (!tt.ok && !errors.Is(err, ErrConfig)) {
			t.Errorf("New(%+v): got error %v, want ok %v", tt.cfg, err, tt.ok)
			continue
		}
		if tt.ok && (s.weight != tt.wantWeight || s.Task() != 1 || s.Start() != at(9)) {
			t.Errorf("New(%+v): got weight %d task %d start %v, want %d 1 9s", tt.cfg, s.weight, s.Task(), s.Start(), tt.wantWeight)
		}
	}
}

func TestRecording(t *testing.T) {
	for _, rate := range []float64{1, 0.5} {
		s := newStats(t, 0, rate)
		w := int64(1 / rate)
		out, in := s.Stream("out"), s.Stream("in")
		now := at(1)
		s.Emitted(now, out, 3)
		s.Transferred(now, out, 6)
		s.Acked(now, out, 10*time.Millisecond)
		s.Acked(now, out, 30*time.Millisecond)
		s.Failed(now, out)
		s.Executed(now, in, 2*time.Millisecond)
		s.Executed(now, in, -time.Millisecond) // a clock step back counts as 0
		s.BoltAcked(now, in, 5*time.Millisecond)
		s.Failed(now, in)
		want := []StreamStats{
			{Stream: "in", Executed: 2 * w, Execute: Latency{2, int64(2 * time.Millisecond)},
				Acked: w, Process: Latency{1, int64(5 * time.Millisecond)}, Failed: w},
			{Stream: "out", Emitted: 3 * w, Transferred: 6 * w, Acked: 2 * w,
				Complete: Latency{2, int64(40 * time.Millisecond)}, Failed: w},
		}
		for _, p := range Periods() {
			got := s.Snapshot(now, p)
			if !reflect.DeepEqual(got.Streams, want) || got.Period != p || !reflect.DeepEqual(got.Tasks, []core.TaskID{7}) {
				t.Errorf("rate %v period %s: got %+v, want streams %+v", rate, p, got, want)
			}
		}
		if got, want := s.Snapshot(now, AllTime).Streams[1].Complete.Ms(), 20.0; got != want {
			t.Errorf("complete latency: got %v ms, want %v", got, want)
		}
	}
}

func TestStreamHandles(t *testing.T) {
	s := newStats(t, 0, 1)
	b, a := s.Stream("b"), s.Stream("a")
	if again := s.Stream("b"); again != b {
		t.Errorf("Stream(b) twice: got %v then %v", b, again)
	}
	s.Emitted(0, a, 1)
	s.Emitted(0, b, 2)
	var names []string
	var emitted []int64
	for _, st := range s.Snapshot(0, AllTime).Streams {
		names, emitted = append(names, st.Stream), append(emitted, st.Emitted)
	}
	if !reflect.DeepEqual(names, []string{"a", "b"}) || !reflect.DeepEqual(emitted, []int64{1, 2}) {
		t.Errorf("got streams %v emitted %v, want [a b] [1 2]", names, emitted)
	}

	other := newStats(t, 0, 1)
	other.Stream("x")
	tests := []struct {
		name string
		f    func()
	}{
		{"zero handle", func() { s.Emitted(0, Stream{}, 1) }},
		{"handle of other stats", func() { other.Emitted(0, Stream{3}, 1) }},
		{"negative count", func() { s.Emitted(0, a, -1) }},
		{"negative transfers", func() { s.Transferred(0, a, -1) }},
	}
	for _, tt := range tests {
		if !didPanic(tt.f) {
			t.Errorf("%s: did not panic", tt.name)
		}
	}
}

// TestPeriodsExpire records an execute at 0 and one at 11 minutes and reads
// each period at later times.
func TestPeriodsExpire(t *testing.T) {
	s := newStats(t, 0, 1)
	in := s.Stream("in")
	s.Executed(0, in, time.Millisecond)
	s.Executed(at(660), in, time.Millisecond)
	tests := []struct {
		now  float64
		want [periodCount]int64 // executed per period
	}{
		{660, [periodCount]int64{1, 2, 2, 2}},
		{1260, [periodCount]int64{0, 2, 2, 2}},     // 21 min: both out of 10 min
		{4 * 3600, [periodCount]int64{0, 0, 2, 2}}, // 4 h
		{86399, [periodCount]int64{0, 0, 2, 2}},    // the day's oldest 72-min bucket
		{86400, [periodCount]int64{0, 0, 0, 2}},    // leaves whole
	}
	for _, tt := range tests {
		for _, p := range Periods() {
			if got := s.Snapshot(at(tt.now), p).Total().Executed; got != tt.want[p] {
				t.Errorf("at %v period %s: got executed %d, want %d", at(tt.now), p, got, tt.want[p])
			}
		}
	}
}

func TestCapacity(t *testing.T) {
	type exec struct {
		at      float64 // first execute, seconds
		every   float64 // seconds between executes
		n       int
		latency time.Duration
	}
	tests := []struct {
		name         string
		start        float64
		rate         float64
		execs        exec
		now          float64
		period       Period
		wantObserved time.Duration
		want         float64
	}{
		{"young task: cut to uptime", 0, 1, exec{0, 0.2, 600, 100 * time.Millisecond}, 120, Last10m, 2 * time.Minute, 0.5},
		{"young task started mid-bucket", 10, 1, exec{10, 1, 10, 500 * time.Millisecond}, 20, Last10m, 10 * time.Second, 0.5},
		{"steady: the window's buckets", 0, 1, exec{3030, 1, 570, 500 * time.Millisecond}, 3600, Last10m, 570 * time.Second, 0.5},
		{"over capacity", 0, 1, exec{0, 0.1, 600, 200 * time.Millisecond}, 60, Last10m, time.Minute, 2},
		{"all time", 0, 1, exec{0, 1, 3600, 100 * time.Millisecond}, 3600, AllTime, time.Hour, 0.1},
		{"3 hours", 0, 1, exec{0, 10, 1080, 5 * time.Second}, 3 * 3600, Last3h, 171 * time.Minute, 0.5}, // executes before 540 s aged out
		{"sampled: counts scaled", 0, 0.05, exec{0, 2, 30, 100 * time.Millisecond}, 60, Last10m, time.Minute, 1},
		{"no executes", 0, 1, exec{0, 1, 0, 0}, 60, Last10m, time.Minute, 0},
		{"no time yet", 5, 1, exec{5, 0, 1, time.Second}, 5, Last10m, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStats(t, at(tt.start), tt.rate)
			in := s.Stream("in")
			for i := range tt.execs.n {
				s.Executed(at(tt.execs.at+float64(i)*tt.execs.every), in, tt.execs.latency)
			}
			got := s.Snapshot(at(tt.now), tt.period)
			if got.Observed != tt.wantObserved || !near(got.Capacity, tt.want) {
				t.Errorf("got observed %v capacity %v, want %v %v", got.Observed, got.Capacity, tt.wantObserved, tt.want)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestSnapshotChangesNothing(t *testing.T) {
	s := newStats(t, 0, 1)
	in := s.Stream("in")
	s.Executed(at(10), in, time.Second)
	first := s.Snapshot(at(10), Last10m)
	if later := s.Snapshot(at(1e5), Last10m); later.Total().Executed != 0 {
		t.Errorf("a day later: got executed %d, want 0", later.Total().Executed)
	}
	if again := s.Snapshot(at(10), Last10m); !reflect.DeepEqual(again, first) {
		t.Errorf("after a later snapshot: got %+v, want %+v", again, first)
	}
}
