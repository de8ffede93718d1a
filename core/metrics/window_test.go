package metrics

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// at is a test time in seconds.
func at(seconds float64) core.Time { return core.Time(seconds * float64(time.Second)) }

type windowAdd struct {
	at    float64 // seconds
	count int64
}

// The test window spans 100 s in 10 buckets of 10 s: bucket k is [10k, 10k+10).
func TestWindowTotals(t *testing.T) {
	tests := []struct {
		name  string
		adds  []windowAdd
		query float64
		want  int64
	}{
		{"empty", nil, 0, 0},
		{"one bucket", []windowAdd{{0, 1}, {5, 2}, {9.999, 4}}, 9.999, 7},
		{"oldest bucket still in", []windowAdd{{0, 1}}, 99.999, 1},
		{"oldest bucket leaves at the boundary", []windowAdd{{0, 1}}, 100, 0},
		{"a bucket leaves whole", []windowAdd{{0, 1}, {9.999, 2}, {10, 4}}, 100, 4},
		{"partial expiry", []windowAdd{{5, 1}, {15, 2}, {25, 4}}, 115, 4},
		{"skipped buckets are cleared", []windowAdd{{5, 1}, {35, 2}}, 35, 3},
		{"skipped buckets, later query", []windowAdd{{5, 1}, {35, 2}}, 105, 2},
		{"gap of one span clears", []windowAdd{{5, 1}, {105, 2}}, 105, 2},
		{"gap just short of a span keeps", []windowAdd{{5, 1}, {99, 2}}, 99, 3},
		{"long gap clears everything", []windowAdd{{5, 1}, {50, 2}, {1e6, 4}}, 1e6, 4},
		{"query long after", []windowAdd{{5, 1}, {50, 2}}, 1e6, 0},
		{"ring wraps", []windowAdd{{10, 1}, {110, 2}, {210, 4}, {310, 8}}, 310, 8},
		{"ring wraps, neighbour kept", []windowAdd{{200, 1}, {290, 2}, {300, 4}}, 300, 6},
		{"earlier add counts into the head", []windowAdd{{50, 1}, {10, 2}}, 149, 3},
		{"earlier add leaves with the head", []windowAdd{{50, 1}, {10, 2}}, 150, 0},
		{"earlier query answers as of the head", []windowAdd{{50, 1}}, 10, 1},
		{"negative times", []windowAdd{{-5, 1}, {3, 2}}, 3, 3},
		{"negative bucket leaves", []windowAdd{{-5, 1}, {3, 2}}, 90, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWindow(100*time.Second, 10)
			for _, a := range tt.adds {
				w.Add(at(a.at), a.count, 10*a.count)
			}
			count, sum := w.Totals(at(tt.query))
			if count != tt.want || sum != 10*tt.want {
				t.Errorf("Totals(%v) = (%d, %d), want (%d, %d)", at(tt.query), count, sum, tt.want, 10*tt.want)
			}
		})
	}
}

func TestWindowStart(t *testing.T) {
	w := NewWindow(100*time.Second, 10)
	tests := []struct {
		now, want float64
	}{
		{0, -90}, {9.999, -90}, {10, -80}, {95, 0}, {100, 10}, {-0.001, -100},
	}
	for _, tt := range tests {
		if got := w.Start(at(tt.now)); got != at(tt.want) {
			t.Errorf("Start(%v) = %v, want %v", at(tt.now), got, at(tt.want))
		}
	}
	w.Add(at(500), 1, 0)
	if got, want := w.Start(at(10)), at(410); got != want {
		t.Errorf("Start before the head = %v, want %v (as of the head)", got, want)
	}
}

func TestWindowGranularity(t *testing.T) {
	tests := []struct {
		span             time.Duration
		n                int
		width, spanAfter time.Duration
	}{
		{10 * time.Minute, 20, 30 * time.Second, 10 * time.Minute},
		{3 * time.Hour, 20, 9 * time.Minute, 3 * time.Hour},
		{24 * time.Hour, 20, 72 * time.Minute, 24 * time.Hour},
		{100, 3, 33, 99}, // cut down to a multiple of n nanoseconds
		{5, 5, 1, 5},
	}
	for _, tt := range tests {
		w := NewWindow(tt.span, tt.n)
		if w.Width() != tt.width || w.Span() != tt.spanAfter {
			t.Errorf("NewWindow(%v, %d): width %v span %v, want %v %v", tt.span, tt.n, w.Width(), w.Span(), tt.width, tt.spanAfter)
		}
	}
}

func TestWindowBadArgumentsPanic(t *testing.T) {
	tests := []struct {
		span time.Duration
		n    int
		ok   bool
	}{
		{time.Second, 0, false},
		{time.Second, -1, false},
		{time.Second, BucketsMax + 1, false},
		{time.Second, BucketsMax, true},
		{4, 5, false},
		{5, 5, true},
	}
	for _, tt := range tests {
		panicked := didPanic(func() { NewWindow(tt.span, tt.n) })
		if panicked == tt.ok {
			t.Errorf("NewWindow(%v, %d): panicked %v, want %v", tt.span, tt.n, panicked, !tt.ok)
		}
	}
}

func didPanic(f func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	f()
	return false
}

func TestWindowShift(t *testing.T) {
	w := NewWindow(100*time.Second, 10)
	w.Add(at(5), 1, 0) // bucket [0, 10)
	w.Shift(1000 * time.Second)
	w.Add(at(1006), 2, 0) // the same bucket, now [1000, 1010)
	tests := []struct {
		query float64
		want  int64
	}{{1005, 3}, {1099.999, 3}, {1100, 0}, {5, 3}}
	for _, tt := range tests {
		if got, _ := w.Totals(at(tt.query)); got != tt.want {
			t.Errorf("after Shift: Totals(%v) = %d, want %d", at(tt.query), got, tt.want)
		}
	}
}

// TestWindowModel checks Window against a plain list of events, over random
// walks of time with small steps, bucket-sized steps, long jumps and steps
// back.
func TestWindowModel(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 0))
			n := 1 + r.IntN(12)
			width := time.Duration(1 + r.IntN(1000))
			w := NewWindow(width*time.Duration(n), n)
			var m windowModel
			now := core.Time(r.Int64N(10_000) - 5_000)
			for step := range 2_000 {
				switch k := r.IntN(10); {
				case k < 5:
					now += core.Time(r.Int64N(int64(width)))
				case k < 8:
					now += core.Time(r.Int64N(int64(width) * int64(n+2)))
				case k < 9:
					now += core.Time(r.Int64N(int64(width) * 100))
				default:
					now -= core.Time(r.Int64N(int64(width) * 3))
				}
				if r.IntN(3) > 0 {
					c, s := r.Int64N(10), r.Int64N(1000)
					w.Add(now, c, s)
					m.add(w, now, c, s)
				}
				query := now + core.Time(r.Int64N(int64(width)*int64(n+1)))
				gotC, gotS := w.Totals(query)
				wantC, wantS := m.totals(w, query)
				if gotC != wantC || gotS != wantS {
					t.Fatalf("step %d, n %d width %v: Totals(%d) = (%d, %d), want (%d, %d)", step, n, width, query, gotC, gotS, wantC, wantS)
				}
			}
		})
	}
}

// windowModel keeps every event with the bucket it was counted in.
type windowModel struct {
	events  []modelEvent
	head    int64
	started bool
}

type modelEvent struct{ bucket, count, sum int64 }

func (m *windowModel) add(w *Window, now core.Time, count, sum int64) {
	idx := floorDiv(int64(now), int64(w.width))
	if !m.started || idx > m.head {
		m.head, m.started = idx, true
	}
	m.events = append(m.events, modelEvent{m.head, count, sum})
}

func (m *windowModel) totals(w *Window, now core.Time) (count, sum int64) {
	newest := max(floorDiv(int64(now), int64(w.width)), m.head)
	for _, e := range m.events {
		if e.bucket > newest-w.n {
			count += e.count
			sum += e.sum
		}
	}
	return count, sum
}

func TestTotalHalvesOnOverflow(t *testing.T) {
	tests := []struct {
		name  string
		start total
		count int64
		sum   int64
		want  total
	}{
		{"plain", total{2, 10}, 1, 5, total{3, 15}},
		{"counter", total{1 << 62, 0}, 1, 0, total{1<<62 + 1, 0}},
		{"overflow halves first", total{10, 1<<63 - 10}, 1, 100, total{6, (1<<63-10)/2 + 100}},
	}
	for _, tt := range tests {
		got := tt.start
		got.add(tt.count, tt.sum)
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
		if got.sum < 0 {
			t.Errorf("%s: sum wrapped to %d", tt.name, got.sum)
		}
	}
}
