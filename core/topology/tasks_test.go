package topology

import (
	"reflect"
	"strings"
	"testing"

	"github.com/squall/squall/core"
)

func TestTasksWordcount(t *testing.T) {
	topo := wordcount(t)
	got := Tasks(topo)
	// Sorted component order: "__acker" < "count" < "sentences" < "split".
	var want []Task
	add := func(component string, n int, r Resources) {
		for range n {
			want = append(want, Task{ID: core.TaskID(len(want) + 1), Component: component, Resources: r})
		}
	}
	add(AckerComponent, 1, AckerResources())
	add("count", 8, Resources{CPU: 50, MemoryMB: 256})
	add("sentences", 2, DefaultResources())
	add("split", 4, DefaultResources())
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	gotByComponent := ComponentTasks(topo)
	wantByComponent := map[string][]core.TaskID{
		AckerComponent: {1},
		"count":        {2, 3, 4, 5, 6, 7, 8, 9},
		"sentences":    {10, 11},
		"split":        {12, 13, 14, 15},
	}
	if !reflect.DeepEqual(gotByComponent, wantByComponent) {
		t.Errorf("got %v, want %v", gotByComponent, wantByComponent)
	}
}

func TestExecutorsWordcount(t *testing.T) {
	var got []string
	for _, e := range Executors(wordcount(t)) {
		got = append(got, e.String())
	}
	want := "__acker[1-1] count[2-3] count[4-5] count[6-7] count[8-9] " +
		"sentences[10-10] sentences[11-11] split[12-12] split[13-13] split[14-14] split[15-15]"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestExecutorsPartition checks Storm's partitionFixed: contiguous ranges,
// sizes differing by at most one, the larger first.
func TestExecutorsPartition(t *testing.T) {
	for _, c := range []struct {
		tasks, parallelism int
		sizes              []int
	}{
		{1, 1, []int{1}},
		{7, 1, []int{7}},
		{5, 5, []int{1, 1, 1, 1, 1}},
		{8, 4, []int{2, 2, 2, 2}},
		{10, 4, []int{3, 3, 2, 2}},
		{11, 3, []int{4, 4, 3}},
	} {
		topo := wordcount(t)
		topo.Config.Ackers = 0
		s := mustComponent(t, topo, "sentences")
		s.Tasks, s.Parallelism = c.tasks, c.parallelism
		var sizes []int
		next := ComponentTasks(topo)["sentences"][0]
		for _, e := range Executors(topo) {
			if e.Component != "sentences" {
				continue
			}
			if e.First != next {
				t.Errorf("%d tasks / %d: executor %s starts at %d, want %d", c.tasks, c.parallelism, e, e.First, next)
			}
			next = e.Last + 1
			sizes = append(sizes, e.Len())
		}
		if !reflect.DeepEqual(sizes, c.sizes) {
			t.Errorf("%d tasks / %d executors: got sizes %v, want %v", c.tasks, c.parallelism, sizes, c.sizes)
		}
	}
}

func TestAckerTasks(t *testing.T) {
	for _, c := range []struct {
		workers, ackers int
		want            []core.TaskID // the acker's ids
	}{
		{1, AckersPerWorker, []core.TaskID{1}},
		{3, AckersPerWorker, []core.TaskID{1, 2, 3}},
		{3, 0, nil},
		{1, 2, []core.TaskID{1, 2}},
	} {
		topo := wordcount(t)
		topo.Config.Workers, topo.Config.Ackers = c.workers, c.ackers
		if err := Validate(topo); err != nil {
			t.Fatal(err)
		}
		got := ComponentTasks(topo)[AckerComponent]
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("workers %d ackers %d: got acker tasks %v, want %v", c.workers, c.ackers, got, c.want)
		}
		if first := ComponentTasks(topo)["count"][0]; first != core.TaskID(len(c.want)+1) {
			t.Errorf("workers %d ackers %d: count starts at task %d, want %d", c.workers, c.ackers, first, len(c.want)+1)
		}
	}
}

// TestTaskOrderByteWise shows that component order is Go's byte-wise string
// order, as Storm's: upper case and digits sort before "__acker".
func TestTaskOrderByteWise(t *testing.T) {
	b := NewBuilder("order")
	b.Spout("b", "x.S", 1)
	b.Spout("Zeta", "x.S", 1)
	b.Spout("9lives", "x.S", 1)
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range Tasks(topo) {
		got = append(got, task.Component)
	}
	if want := []string{"9lives", "Zeta", AckerComponent, "b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestTasksOfInvalidTopologyPanic(t *testing.T) {
	topo := wordcount(t)
	mustComponent(t, topo, "split").Parallelism = 0
	defer func() {
		if r := recover(); r == nil {
			t.Error("got no panic, want an assertion: enumerating an invalid topology is a programmer error")
		}
	}()
	Tasks(topo)
}
