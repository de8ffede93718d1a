package metrics

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

func ms(n int64) int64 { return n * int64(time.Millisecond) }

func TestAggregate(t *testing.T) {
	task1 := Snapshot{Period: Last10m, Tasks: []core.TaskID{3}, Observed: time.Minute, Capacity: 0.25, Streams: []StreamStats{
		{Stream: "default", Emitted: 10, Transferred: 20},
		{Stream: "words", Executed: 100, Execute: Latency{1, ms(10)}, Acked: 5},
	}}
	task2 := Snapshot{Period: Last10m, Tasks: []core.TaskID{1}, Observed: 10 * time.Minute, Capacity: 0.75, Streams: []StreamStats{
		{Stream: "audit", Emitted: 1},
		{Stream: "words", Executed: 300, Execute: Latency{3, ms(90)}, Failed: 2},
	}}
	tests := []struct {
		name  string
		snaps []Snapshot
		want  Snapshot
	}{
		{"none", nil, Snapshot{}},
		{"one", []Snapshot{task1}, task1},
		{"two: streams merged and sorted, latencies weighted", []Snapshot{task1, task2}, Snapshot{
			Period: Last10m, Tasks: []core.TaskID{1, 3}, Observed: 10 * time.Minute, Capacity: 0.75,
			Streams: []StreamStats{
				{Stream: "audit", Emitted: 1},
				{Stream: "default", Emitted: 10, Transferred: 20},
				{Stream: "words", Executed: 400, Execute: Latency{4, ms(100)}, Acked: 5, Failed: 2},
			},
		}},
		{"order does not matter", []Snapshot{task2, task1}, Aggregate(task1, task2)},
		{"aggregates aggregate", []Snapshot{Aggregate(task1), Aggregate(task2)}, Aggregate(task1, task2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Aggregate(tt.snaps...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := Aggregate(task1, task2).Total().Execute.Ms(); got != 25 {
		t.Errorf("weighted execute latency: got %v ms, want 25", got)
	}
	before := Snapshot{Period: task2.Period, Tasks: append([]core.TaskID(nil), task2.Tasks...), Observed: task2.Observed,
		Capacity: task2.Capacity, Streams: append([]StreamStats(nil), task2.Streams...)}
	Aggregate(task2, task1)
	if !reflect.DeepEqual(task2, before) {
		t.Errorf("Aggregate changed its input: got %+v, want %+v", task2, before)
	}
	if !didPanic(func() { Aggregate(task1, Snapshot{Period: AllTime}) }) {
		t.Error("aggregating two periods did not panic")
	}
}

func TestSnapshotTotal(t *testing.T) {
	snap := Snapshot{Streams: []StreamStats{
		{Stream: "a", Emitted: 1, Complete: Latency{1, 10}},
		{Stream: "b", Emitted: 2, Acked: 3, Complete: Latency{2, 20}},
	}}
	want := StreamStats{Emitted: 3, Acked: 3, Complete: Latency{3, 30}}
	if got := snap.Total(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := (Latency{}).Ms(); got != 0 {
		t.Errorf("Latency{}.Ms() = %v, want 0", got)
	}
}

// TestDeterminism drives two stats with the same seed and events, their
// streams registered in opposite orders: every snapshot must be equal.
func TestDeterminism(t *testing.T) {
	names := []string{"default", "words", "audit", "__ack_ack"}
	run := func(reverse bool) []Snapshot {
		r := rand.New(rand.NewPCG(5, 5))
		s, err := New(2, 0, rand.New(rand.NewPCG(6, 6)), Config{})
		if err != nil {
			t.Fatal(err)
		}
		handles := map[string]Stream{}
		for i := range names {
			if reverse {
				i = len(names) - 1 - i
			}
			handles[names[i]] = s.Stream(names[i])
		}
		var snaps []Snapshot
		now := core.Time(0)
		for i := range 20_000 {
			now += core.Time(r.Int64N(int64(100 * time.Millisecond)))
			if !s.Sample() {
				continue
			}
			h := handles[names[r.IntN(len(names))]]
			switch r.IntN(4) {
			case 0:
				s.Emitted(now, h, 1)
				s.Transferred(now, h, int64(r.IntN(4)))
			case 1:
				s.Executed(now, h, time.Duration(r.Int64N(int64(time.Millisecond))))
			case 2:
				s.Acked(now, h, time.Duration(r.Int64N(int64(time.Second))))
			default:
				s.Failed(now, h)
			}
			if i%1000 == 0 {
				for _, p := range Periods() {
					snaps = append(snaps, s.Snapshot(now, p))
				}
			}
		}
		return snaps
	}
	a, b := run(false), run(true)
	if len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Fatalf("same inputs, different snapshots:\n%+v\n%+v", a, b)
	}
	if last := a[len(a)-1]; last.Total().Emitted == 0 || last.Total().Executed == 0 {
		t.Fatalf("the run recorded nothing: %+v", last)
	}
}
