package metrics

import (
	"math"
	"time"

	"github.com/squall/squall/core"
)

// DefaultBuckets is the number of buckets per rolling window, as in Storm's UI.
const DefaultBuckets = 20

// BucketsMax bounds the buckets of one window: Totals walks all of them, and a
// decoded window allocates them.
const BucketsMax = 1000

// Window is a rolling count and sum over the last Span, kept in a ring of N
// buckets of Width = Span/N each. Bucket k covers [origin + k·Width,
// origin + (k+1)·Width); the origin is 0 unless Shift moved it.
//
// The granularity is one bucket: Totals(now) covers the bucket holding now and
// the N-1 before it, so between Span-Width and Span of history, and a bucket
// leaves the window whole when now crosses a bucket boundary. Buckets are never
// cleared by a timer: Add clears the ones it skips over when time advances, and
// Totals ignores those too old for its now.
//
// Time does not run backwards in a window: an Add whose now is older than the
// newest bucket counts into the newest bucket, and Totals(now) for such a now
// answers as of the newest bucket. The ring is allocated by the first Add, so a
// window never written costs no buckets.
type Window struct {
	width     time.Duration
	origin    core.Time
	n         int64
	head      int64     // index of the newest bucket; valid when buckets != nil
	headStart core.Time // origin + head·width, so that Add needs no division
	headSlot  int64     // head mod n: where the newest bucket lives in the ring
	buckets   []bucket  // nil until the first Add
}

type bucket struct{ count, sum int64 }

// NewWindow returns an empty window over span in n buckets. A span that n
// does not divide is cut down to a multiple of n nanoseconds.
func NewWindow(span time.Duration, n int) *Window {
	w := &Window{}
	w.init(span, n, 0)
	return w
}

func (w *Window) init(span time.Duration, n int, origin core.Time) {
	// Behind an if: Assert's boxed arguments would cost Snapshot an allocation.
	if n < 1 || n > BucketsMax || span < time.Duration(n) {
		core.Assert(false, "window of %v in %d buckets: want 1..%d buckets of 1 ns or more", span, n, BucketsMax)
	}
	*w = Window{width: span / time.Duration(n), origin: origin, n: int64(n)}
}

// Span is the longest history Totals can cover: Width × N.
func (w *Window) Span() time.Duration { return w.width * time.Duration(w.n) }

// Width is the length of one bucket: the window's granularity.
func (w *Window) Width() time.Duration { return w.width }

// Add counts count events whose values add up to sum at time now.
func (w *Window) Add(now core.Time, count, sum int64) {
	// One unsigned compare catches both a now before the head bucket and one
	// past it; the common case, now inside the head bucket, takes no division.
	if w.buckets == nil || uint64(now-w.headStart) >= uint64(w.width) {
		w.advance(now)
	}
	b := &w.buckets[w.headSlot]
	b.count += count
	b.sum += sum
}

// advance makes the bucket holding now the head, clearing every bucket it
// passes over; a now before the head leaves the head where it is.
func (w *Window) advance(now core.Time) {
	idx := w.index(now)
	if w.buckets == nil {
		w.buckets = make([]bucket, w.n)
		w.setHead(idx)
		return
	}
	if idx <= w.head {
		return
	}
	if steps := idx - w.head; steps >= w.n {
		clear(w.buckets)
	} else {
		slot := w.headSlot
		for range steps {
			if slot++; slot == w.n {
				slot = 0
			}
			w.buckets[slot] = bucket{}
		}
	}
	w.setHead(idx)
}

func (w *Window) setHead(idx int64) {
	w.head = idx
	w.headStart = w.origin + core.Time(idx*int64(w.width))
	w.headSlot = floorMod(idx, w.n)
}

// Totals returns the count and sum of what was added in the window ending at
// now: the bucket holding now and the N-1 buckets before it.
func (w *Window) Totals(now core.Time) (count, sum int64) {
	if w.buckets == nil {
		return 0, 0
	}
	// Walk back from the head: no older than the ring holds, nor than the
	// window ending at now reaches. A now before the head thus answers as of
	// the head.
	oldest := max(w.index(now), w.head) - w.n + 1
	slot := w.headSlot
	for idx := w.head; idx >= oldest; idx-- {
		count += w.buckets[slot].count
		sum += w.buckets[slot].sum
		if slot--; slot < 0 {
			slot = w.n - 1
		}
	}
	return count, sum
}

// Start is the oldest instant Totals(now) covers: the start of the oldest
// bucket in the window ending at now.
func (w *Window) Start(now core.Time) core.Time {
	idx := w.index(now)
	if w.buckets != nil {
		idx = max(idx, w.head)
	}
	return w.origin + core.Time((idx-w.n+1)*int64(w.width))
}

// Shift moves every bucket boundary by d. A driver whose clock restarted
// shifts restored windows into its new time base (see TaskStats.Shift).
func (w *Window) Shift(d time.Duration) {
	w.origin = w.origin.Add(d)
	w.headStart = w.headStart.Add(d)
}

// index is the number of the bucket holding now, rounded towards minus
// infinity so that times before the origin get buckets of their own.
func (w *Window) index(now core.Time) int64 {
	return floorDiv(int64(now-w.origin), int64(w.width))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// total is the all-time accumulator: a plain count and sum.
type total struct{ count, sum int64 }

// add accumulates. A latency sum that would overflow int64 halves count and
// sum first: the average, which is all a latency total is for, survives, and
// only its weight in an aggregate shrinks. (Execute latencies of one task sum
// to at most its uptime; complete latencies of a spout with 10,000 pending
// trees, sampled at 0.05, reach 2^63 ns after about 200 days.)
func (t *total) add(count, sum int64) {
	if sum > 0 && t.sum > math.MaxInt64-sum {
		t.count /= 2
		t.sum /= 2
	}
	t.count += count
	t.sum += sum
}
