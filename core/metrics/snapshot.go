package metrics

import (
	"slices"
	"strings"
	"time"

	"github.com/squall/squall/core"
)

// Latency is a sum of sampled latencies and the number of samples in it.
// Samples are not scaled by the sampling weight: they weight the average.
type Latency struct {
	Samples  int64
	SumNanos int64
}

// Ms is the average latency in milliseconds, 0 without samples.
func (l Latency) Ms() float64 {
	if l.Samples == 0 {
		return 0
	}
	return float64(l.SumNanos) / float64(l.Samples) / float64(time.Millisecond)
}

func (l Latency) plus(o Latency) Latency {
	return Latency{Samples: l.Samples + o.Samples, SumNanos: l.SumNanos + o.SumNanos}
}

// StreamStats is what one stream did in one period. Counts are scaled by the
// sampling weight. A spout's output streams have Emitted, Transferred, Acked,
// Failed and Complete; a bolt's output streams Emitted and Transferred, its
// input streams Executed, Execute, Acked, Process and Failed.
type StreamStats struct {
	Stream      string
	Emitted     int64
	Transferred int64
	Acked       int64
	Failed      int64
	Executed    int64
	Execute     Latency
	Process     Latency
	Complete    Latency
}

func (a StreamStats) plus(b StreamStats) StreamStats {
	a.Emitted += b.Emitted
	a.Transferred += b.Transferred
	a.Acked += b.Acked
	a.Failed += b.Failed
	a.Executed += b.Executed
	a.Execute = a.Execute.plus(b.Execute)
	a.Process = a.Process.plus(b.Process)
	a.Complete = a.Complete.plus(b.Complete)
	return a
}

// Snapshot is plain data: the stats of one task, or an aggregate of tasks, in
// one period.
type Snapshot struct {
	Period Period
	Tasks  []core.TaskID // sorted
	// Observed is the time the counts cover: the window up to now, cut to the
	// task's uptime. A task 2 minutes old has a 10-minute Observed of 2
	// minutes, not 10, so its capacity is not diluted by time it did not run.
	// A rolling window's Observed is between Length - Length/N and Length:
	// its oldest bucket counts whole (see Window).
	Observed time.Duration
	// Capacity is the fraction of Observed the task spent executing:
	// Executed × average execute latency / Observed, as in Storm's UI. Above 1
	// means a task cannot keep up. An aggregate holds the largest capacity of
	// its tasks, which is what Storm shows for a component: its hottest task.
	Capacity float64
	Streams  []StreamStats // sorted by Stream
}

// Total sums the snapshot's streams; its Stream is "".
func (s Snapshot) Total() StreamStats {
	var t StreamStats
	for _, st := range s.Streams {
		t = t.plus(st)
	}
	return t
}

// Snapshot returns the task's stats in period p as of now. It changes nothing:
// the same stats and now give the same snapshot.
func (s *TaskStats) Snapshot(now core.Time, p Period) Snapshot {
	core.Assert(p >= 0 && p < periodCount, "unknown period %d", p)
	snap := Snapshot{
		Period:   p,
		Tasks:    []core.TaskID{s.task},
		Observed: s.observed(now, p),
		Streams:  make([]StreamStats, 0, len(s.order)),
	}
	for _, i := range s.order {
		snap.Streams = append(snap.Streams, s.streams[i].snapshot(now, p))
	}
	snap.Capacity = capacity(snap.Total(), snap.Observed)
	return snap
}

func (st *streamStats) snapshot(now core.Time, p Period) StreamStats {
	count := func(m metric) int64 {
		c, _ := st.series[m].totals(now, p)
		return c
	}
	latency := func(m metric) Latency {
		c, sum := st.series[m].totals(now, p)
		return Latency{Samples: c, SumNanos: sum}
	}
	return StreamStats{
		Stream:      st.name,
		Emitted:     count(mEmitted),
		Transferred: count(mTransferred),
		Acked:       count(mAcked),
		Failed:      count(mFailed),
		Executed:    count(mExecuted),
		Execute:     latency(mExecuteLatency),
		Process:     latency(mProcessLatency),
		Complete:    latency(mCompleteLatency),
	}
}

func (ser *series) totals(now core.Time, p Period) (count, sum int64) {
	if p == AllTime {
		return ser.all.count, ser.all.sum
	}
	return ser.rolling[p].Totals(now)
}

// observed is the time period p covers at now, cut to the task's uptime.
func (s *TaskStats) observed(now core.Time, p Period) time.Duration {
	from := s.start
	if p != AllTime {
		var w Window // all windows of a period share span, buckets and origin
		w.init(periodLengths[p], s.buckets, s.origin)
		from = max(from, w.Start(now))
	}
	return max(now.Sub(from), 0)
}

func capacity(t StreamStats, observed time.Duration) float64 {
	if observed <= 0 || t.Execute.Samples == 0 {
		return 0
	}
	avgNanos := float64(t.Execute.SumNanos) / float64(t.Execute.Samples)
	return float64(t.Executed) * avgNanos / float64(observed)
}

// Aggregate sums snapshots of one period into a component or topology
// summary: counts and latency sums add up per stream, so average latencies
// are weighted by their samples; Observed and Capacity are the largest of the
// parts (see Snapshot). Aggregating no snapshots gives the zero Snapshot.
func Aggregate(snaps ...Snapshot) Snapshot {
	if len(snaps) == 0 {
		return Snapshot{}
	}
	out := Snapshot{Period: snaps[0].Period}
	index := map[string]int{}
	for _, sn := range snaps {
		core.Assert(sn.Period == out.Period, "aggregating period %s with %s", sn.Period, out.Period)
		out.Tasks = append(out.Tasks, sn.Tasks...)
		out.Observed = max(out.Observed, sn.Observed)
		out.Capacity = max(out.Capacity, sn.Capacity)
		for _, st := range sn.Streams {
			i, ok := index[st.Stream]
			if !ok {
				i = len(out.Streams)
				index[st.Stream] = i
				out.Streams = append(out.Streams, StreamStats{Stream: st.Stream})
			}
			out.Streams[i] = out.Streams[i].plus(st)
		}
	}
	slices.Sort(out.Tasks)
	slices.SortFunc(out.Streams, func(a, b StreamStats) int { return strings.Compare(a.Stream, b.Stream) })
	return out
}
