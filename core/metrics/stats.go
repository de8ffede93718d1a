package metrics

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/squall/squall/core"
)

// Sentinel errors.
var (
	ErrConfig  = errors.New("metrics: bad config")
	ErrCorrupt = errors.New("metrics: corrupt stats")
	ErrVersion = errors.New("metrics: unsupported stats version")
	ErrTask    = errors.New("metrics: stats of another task")
)

// StreamsMax bounds the streams one task records; StreamNameMax the length of
// a stream's name. Topology validation keeps real topologies far below both.
const (
	StreamsMax    = 4096
	StreamNameMax = 512
)

// Period names one of the four windows of Storm's UI.
type Period int8

const (
	Last10m Period = iota // "600"
	Last3h                // "10800"
	Last1d                // "86400"
	AllTime               // ":all-time"
	periodCount
)

// rollingPeriods are the periods kept in Windows; AllTime is a plain total.
const rollingPeriods = int(AllTime)

var periodLengths = [rollingPeriods]time.Duration{10 * time.Minute, 3 * time.Hour, 24 * time.Hour}

var periodKeys = [periodCount]string{"600", "10800", "86400", ":all-time"}

// Periods lists the four periods, shortest first.
func Periods() []Period { return []Period{Last10m, Last3h, Last1d, AllTime} }

// Key is the period's window key in Storm's UI and REST API (?window=600).
func (p Period) Key() string {
	core.Assert(p >= 0 && p < periodCount, "unknown period %d", p)
	return periodKeys[p]
}

func (p Period) String() string { return p.Key() }

// Length is the period's span; 0 for AllTime.
func (p Period) Length() time.Duration {
	if p == AllTime {
		return 0
	}
	return periodLengths[p]
}

// ParsePeriod returns the period whose Key is key.
func ParsePeriod(key string) (Period, error) {
	if i := slices.Index(periodKeys[:], key); i >= 0 {
		return Period(i), nil
	}
	return 0, fmt.Errorf("%w: unknown window %q (want one of %q)", ErrConfig, key, periodKeys)
}

// Config tunes TaskStats. The zero value is Storm's defaults.
type Config struct {
	SampleRate float64 // 0 < r ≤ 1; 0 means DefaultSampleRate
	Buckets    int     // per rolling window, 1..BucketsMax; 0 means DefaultBuckets
}

// metric is one of the series a stream keeps. Counters use a series' count
// only; latencies keep (samples, sum of nanoseconds).
type metric int8

const (
	mEmitted metric = iota
	mTransferred
	mAcked
	mFailed
	mExecuted
	mExecuteLatency
	mProcessLatency
	mCompleteLatency
	metricCount
)

// series is one metric of one stream in every period.
type series struct {
	rolling [rollingPeriods]Window
	all     total
}

type streamStats struct {
	name   string
	series [metricCount]series
}

// Stream is a handle on one stream of one TaskStats, resolved once by
// TaskStats.Stream so that recording a tuple costs no map lookup. The zero
// Stream is not a handle.
type Stream struct{ id int32 } // index+1

// TaskStats holds the metrics of one task: per stream, each metric in the
// 10-minute, 3-hour and 1-day windows and all-time. It is not safe for
// concurrent use; a task owns its stats.
//
// The recording methods take events the sampler chose (see Sample) and scale
// their counts by the sampler's weight. Times must not run backwards (see
// Window); latencies below zero count as zero.
type TaskStats struct {
	task    core.TaskID
	start   core.Time
	origin  core.Time // bucket origin shared by every window
	buckets int
	sampler *Sampler
	weight  int64
	streams []streamStats
	byName  map[string]int32 // name -> index in streams; cold path only
	order   []int32          // indexes of streams sorted by name
}

// New returns empty stats for task, started at start, sampling from rng.
func New(task core.TaskID, start core.Time, rng *rand.Rand, cfg Config) (*TaskStats, error) {
	rate, buckets := cfg.SampleRate, cfg.Buckets
	if rate == 0 {
		rate = DefaultSampleRate
	}
	if buckets == 0 {
		buckets = DefaultBuckets
	}
	if buckets < 1 || buckets > BucketsMax {
		return nil, fmt.Errorf("%w: %d buckets outside [1, %d]", ErrConfig, buckets, BucketsMax)
	}
	sampler, err := NewSampler(rate, rng)
	if err != nil {
		return nil, err
	}
	return &TaskStats{
		task: task, start: start, buckets: buckets, sampler: sampler,
		weight: sampler.Weight(), byName: map[string]int32{},
	}, nil
}

// Task is the task these stats belong to.
func (s *TaskStats) Task() core.TaskID { return s.task }

// Start is when the task started; capacity windows of a young task begin here.
func (s *TaskStats) Start() core.Time { return s.start }

// Stream returns the handle of the named stream, adding the stream on first use.
func (s *TaskStats) Stream(name string) Stream {
	if i, ok := s.byName[name]; ok {
		return Stream{i + 1}
	}
	core.Assert(len(s.streams) < StreamsMax, "task %d: more than %d streams", s.task, StreamsMax)
	core.Assert(len(name) <= StreamNameMax, "task %d: stream name of %d bytes", s.task, len(name))
	i := s.addStream(name)
	s.byName[name] = i
	s.order = slices.Insert(s.order, s.orderPos(name), i)
	return Stream{i + 1}
}

func (s *TaskStats) addStream(name string) int32 {
	s.streams = append(s.streams, streamStats{name: name})
	st := &s.streams[len(s.streams)-1]
	for m := range st.series {
		for p := range st.series[m].rolling {
			st.series[m].rolling[p].init(periodLengths[p], s.buckets, s.origin)
		}
	}
	return int32(len(s.streams) - 1)
}

// orderPos is where name goes in s.order.
func (s *TaskStats) orderPos(name string) int {
	pos, _ := slices.BinarySearchFunc(s.order, name, func(i int32, name string) int {
		return strings.Compare(s.streams[i].name, name)
	})
	return pos
}

// Sample reports whether the next event is to be measured and recorded.
func (s *TaskStats) Sample() bool { return s.sampler.Sample() }

// Emitted records n sampled emits on stream st.
func (s *TaskStats) Emitted(now core.Time, st Stream, n int64) {
	if n < 0 {
		core.Assert(false, "task %d: %d tuples emitted", s.task, n)
	}
	s.record(now, st, mEmitted, n*s.weight, 0)
}

// Transferred records n sampled deliveries to target tasks on stream st.
func (s *TaskStats) Transferred(now core.Time, st Stream, n int64) {
	if n < 0 {
		core.Assert(false, "task %d: %d tuples transferred", s.task, n)
	}
	s.record(now, st, mTransferred, n*s.weight, 0)
}

// Executed records a sampled execute of a tuple from input stream st.
func (s *TaskStats) Executed(now core.Time, st Stream, executeLatency time.Duration) {
	s.record(now, st, mExecuted, s.weight, 0)
	s.record(now, st, mExecuteLatency, 1, max(int64(executeLatency), 0))
}

// Acked records a spout tuple tree on st completed, completeLatency after its emit.
func (s *TaskStats) Acked(now core.Time, st Stream, completeLatency time.Duration) {
	s.record(now, st, mAcked, s.weight, 0)
	s.record(now, st, mCompleteLatency, 1, max(int64(completeLatency), 0))
}

// BoltAcked records a bolt acked an input from st, processLatency after it arrived.
func (s *TaskStats) BoltAcked(now core.Time, st Stream, processLatency time.Duration) {
	s.record(now, st, mAcked, s.weight, 0)
	s.record(now, st, mProcessLatency, 1, max(int64(processLatency), 0))
}

// Failed records a sampled failure: a spout tree on st failed or timed out, or
// a bolt failed an input from st.
func (s *TaskStats) Failed(now core.Time, st Stream) {
	s.record(now, st, mFailed, s.weight, 0)
}

func (s *TaskStats) record(now core.Time, st Stream, m metric, count, sum int64) {
	// The asserts on this path sit behind ifs: Assert's arguments would
	// otherwise be boxed on every call, and the hot path must not allocate.
	if st.id <= 0 || int(st.id) > len(s.streams) {
		core.Assert(false, "task %d: stream handle %d of another TaskStats", s.task, st.id)
	}
	ser := &s.streams[st.id-1].series[m]
	ser.rolling[0].Add(now, count, sum)
	ser.rolling[1].Add(now, count, sum)
	ser.rolling[2].Add(now, count, sum)
	ser.all.add(count, sum)
}

// Shift moves every stored time, the start and all bucket boundaries, by d.
// Stats restored by a process whose clock restarted are in the old process's
// time base; if the old process saved them at its time savedAt and the new
// one restores them at now after downtime of wall-clock time, Shift by
// now - downtime - savedAt makes a bucket's age now what it was at the save
// plus the downtime. A simulator whose clock survives restarts needs no Shift.
func (s *TaskStats) Shift(d time.Duration) {
	s.start = s.start.Add(d)
	s.origin = s.origin.Add(d)
	for i := range s.streams {
		for m := range s.streams[i].series {
			for p := range s.streams[i].series[m].rolling {
				s.streams[i].series[m].rolling[p].Shift(d)
			}
		}
	}
}
