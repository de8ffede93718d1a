package metrics_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/metrics"
)

// A bolt task records the stats of a sample of its tuples, is read by the
// UI, persisted, and restored by a restarted worker whose clock began again.
func Example() {
	stats, err := metrics.New(3, 0, rand.New(rand.NewPCG(1, 2)), metrics.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	words, counts := stats.Stream("words"), stats.Stream("default")

	// A minute of work: 10,000 tuples, 2 ms of execute each, one tuple out each.
	now := core.Time(0)
	for range 10_000 {
		now = now.Add(6 * time.Millisecond)
		if !stats.Sample() { // one in 20: the others cost no clock reads
			continue
		}
		stats.Executed(now, words, 2*time.Millisecond)
		stats.BoltAcked(now, words, 3*time.Millisecond)
		stats.Emitted(now, counts, 1)
		stats.Transferred(now, counts, 1)
	}
	snap := stats.Snapshot(now, metrics.Last10m)
	for _, st := range snap.Streams {
		fmt.Printf("%-8s emitted %5d executed %5d execute %.1f ms process %.1f ms\n",
			st.Stream, st.Emitted, st.Executed, st.Execute.Ms(), st.Process.Ms())
	}
	fmt.Printf("window %s observed %v capacity %.3f\n", snap.Period.Key(), snap.Observed, snap.Capacity)

	// Persist; a new process, its clock at 1 s, restores 30 s after the save.
	blob, err := stats.MarshalBinary()
	if err != nil {
		fmt.Println(err)
		return
	}
	restored, err := metrics.New(3, 0, rand.New(rand.NewPCG(3, 4)), metrics.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := restored.UnmarshalBinary(blob); err != nil {
		fmt.Println(err)
		return
	}
	restartNow := core.Time(0).Add(time.Second)
	restored.Shift(restartNow.Sub(now) - 30*time.Second)
	after := restored.Snapshot(restartNow, metrics.Last10m)
	fmt.Printf("after restart: executed %d observed %v capacity %.3f\n", after.Total().Executed, after.Observed, after.Capacity)

	// A component of two tasks: counts add up, capacity is the hotter task's.
	idle, err := metrics.New(4, 0, rand.New(rand.NewPCG(5, 6)), metrics.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	idle.Stream("words")
	component := metrics.Aggregate(after, idle.Snapshot(restartNow, metrics.Last10m))
	fmt.Printf("component: tasks %v executed %d capacity %.3f\n", component.Tasks, component.Total().Executed, component.Capacity)
	// Output:
	// default  emitted 10000 executed     0 execute 0.0 ms process 0.0 ms
	// words    emitted     0 executed 10000 execute 2.0 ms process 3.0 ms
	// window 600 observed 1m0s capacity 0.333
	// after restart: executed 10000 observed 1m30s capacity 0.222
	// component: tasks [3 4] executed 10000 capacity 0.222
}
