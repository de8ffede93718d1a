package topology

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/squall/squall/core"
)

// Task is one instance of a component, as every worker and the scheduler see
// it. Its resources are its component's per-task demand.
type Task struct {
	ID        core.TaskID
	Component string
	Resources Resources
}

// Executor is a contiguous range of one component's tasks run by one
// goroutine, as Storm's [start end] executor ids.
type Executor struct {
	Component   string
	First, Last core.TaskID // inclusive
}

// Len is the number of tasks the executor runs.
func (e Executor) Len() int { return int(e.Last-e.First) + 1 }

func (e Executor) String() string { return fmt.Sprintf("%s[%d-%d]", e.Component, e.First, e.Last) }

// taskRange is one component's share of the task ids, system components
// included.
type taskRange struct {
	component   string
	first       core.TaskID
	tasks       int
	parallelism int
	resources   Resources
}

// taskRanges numbers tasks as Storm does: ids from 1, components in sorted
// name order (system components among them), each getting its task count
// consecutively. t must be valid: these ids are every worker's routing table,
// so a topology that slipped past validation is a programmer error.
func taskRanges(t *Topology) []taskRange {
	var ranges []taskRange
	for _, list := range [][]Component{t.Spouts, t.Bolts} {
		for _, c := range list {
			ranges = append(ranges, taskRange{component: c.Name, tasks: c.Tasks, parallelism: c.Parallelism, resources: c.Resources})
		}
	}
	if n := t.Config.AckerTasks(); n > 0 {
		ranges = append(ranges, taskRange{component: AckerComponent, tasks: n, parallelism: n, resources: AckerResources()})
	}
	slices.SortFunc(ranges, func(a, b taskRange) int { return cmp.Compare(a.component, b.component) })
	next, total := core.TaskID(1), 0
	for i := range ranges {
		r := &ranges[i]
		core.Assert(i == 0 || ranges[i-1].component != r.component, "topology %q: component %q twice", t.Name, r.component)
		core.Assert(1 <= r.parallelism && r.parallelism <= r.tasks, "topology %q: component %q has parallelism %d and %d tasks",
			t.Name, r.component, r.parallelism, r.tasks)
		total += r.tasks
		core.Assert(total <= TasksMax, "topology %q: over %d tasks", t.Name, TasksMax)
		r.first = next
		next += core.TaskID(r.tasks)
	}
	return ranges
}

// Tasks returns every task of a valid topology, acker tasks included, in id
// order: ids run from 1 with no gaps.
func Tasks(t *Topology) []Task {
	var out []Task
	for _, r := range taskRanges(t) {
		for i := range r.tasks {
			out = append(out, Task{ID: r.first + core.TaskID(i), Component: r.component, Resources: r.resources})
		}
	}
	return out
}

// ComponentTasks returns the task ids of each component of a valid topology,
// acker included, each list ascending. Sort the keys before iterating where
// the order matters.
func ComponentTasks(t *Topology) map[string][]core.TaskID {
	out := map[string][]core.TaskID{}
	for _, r := range taskRanges(t) {
		ids := make([]core.TaskID, r.tasks)
		for i := range ids {
			ids[i] = r.first + core.TaskID(i)
		}
		out[r.component] = ids
	}
	return out
}

// Executors partitions each component's tasks into as many contiguous ranges
// as its parallelism, as Storm's partitionFixed: sizes differ by at most one,
// the larger first. The result is in task id order.
func Executors(t *Topology) []Executor {
	var out []Executor
	for _, r := range taskRanges(t) {
		base, larger := r.tasks/r.parallelism, r.tasks%r.parallelism
		first := r.first
		for i := range r.parallelism {
			size := base
			if i < larger {
				size++
			}
			out = append(out, Executor{Component: r.component, First: first, Last: first + core.TaskID(size) - 1})
			first += core.TaskID(size)
		}
		core.Assert(first == r.first+core.TaskID(r.tasks), "executors of %q cover %d tasks, want %d",
			r.component, first-r.first, r.tasks)
	}
	return out
}
