package scheduler

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/squall/squall/core"
)

// Bounds on an Input. An input beyond one is rejected with ErrBadInput; the
// scheduler's loops rely on them and assert them.
const (
	SupervisorsMax        = 10_000    // supervisors in one input
	SlotsPerSupervisorMax = 1_024     // ports of one supervisor
	TopologiesMax         = 10_000    // topologies in one input
	TasksMax              = 1_000_000 // tasks of all topologies together
	WorkersMax            = 10_000    // desired workers of one topology
	EdgesMax              = 100_000   // edges of one topology
	PinnedHostsMax        = 1_024     // hosts one component may be pinned to
	ResourceMax           = 1 << 40   // any one dimension of a capacity or a demand
)

// ErrBadInput marks an Input that breaks the contract of Schedule: a caller's
// bug or a bad request, never a cluster that is merely too small.
var ErrBadInput = errors.New("scheduler: bad input")

// Slot is where one worker runs: a port of a supervisor. Storm runs at most
// one worker per slot.
type Slot struct {
	Supervisor core.SupervisorID
	Port       core.Port
}

// String prints the slot as "supervisor:port".
func (s Slot) String() string { return string(s.Supervisor) + ":" + strconv.Itoa(int(s.Port)) }

// Supervisor is a live supervisor as it registered itself.
type Supervisor struct {
	ID       core.SupervisorID // unique, non-empty
	Host     string            // the machine it runs on, non-empty; pins and isolation name hosts
	Slots    []core.Port       // its worker ports, distinct, any order
	Capacity Resources         // what all its workers together may use
}

// Task is one task of a topology and what it needs to run.
type Task struct {
	ID        core.TaskID // unique within its topology
	Component string      // the spout or bolt it runs, non-empty
	Demand    Resources   // counted against its supervisor's capacity
}

// Edge says two components exchange tuples. The scheduler prefers to put
// their tasks in the same worker, so tuples between them skip the network;
// the direction does not matter.
type Edge struct {
	From, To string
}

// Topology is one topology to place.
type Topology struct {
	// ID is unique, non-empty, and breaks priority ties.
	ID core.TopologyID
	// Priority orders scheduling: lower goes first, as Storm's
	// topology.priority (0 is the most important). Isolated topologies go
	// before all others whatever their priority.
	Priority int
	// Workers is the desired worker count (Storm's topology.workers), from 1
	// to WorkersMax. A topology with fewer tasks gets one worker per task.
	Workers int
	// Tasks are all its tasks, any order, at least one.
	Tasks []Task
	// Edges, optional, name pairs of communicating components to co-locate
	// where that keeps the balance.
	Edges []Edge
	// Pins, optional, is JStorm's user-defined assignment: component name →
	// the hosts its tasks must run on. It takes priority over every default.
	Pins map[string][]string
	// Isolated gives the topology whole hosts that no other topology uses
	// (Storm's isolation scheduler). Isolated topologies are placed first.
	Isolated bool
}

// Input is a snapshot of everything the scheduler considers. It holds no
// clock and no randomness: the same Input always gives the same Plan, and
// the order of any slice or map in it does not matter.
type Input struct {
	// Supervisors are the live supervisors. A supervisor absent here is dead.
	Supervisors []Supervisor
	// Topologies are the topologies to place. An assignment of a topology
	// not listed (a killed one) is ignored, so its slots and resources are free.
	Topologies []Topology
	// Current is the assignment in force: topology → task → slot. Tasks
	// stay where they are while their slot lives and still fits (stickiness).
	// Entries for unknown topologies or tasks are ignored; slots on dead
	// supervisors are expected.
	Current map[core.TopologyID]map[core.TaskID]Slot
	// DeadSlots are slots whose worker cannot run (a port in use, a worker
	// that keeps crashing): nothing is kept or placed there.
	DeadSlots []Slot
	// Rebalance lists topologies planned afresh, their current placement
	// ignored (Storm's rebalance). Unknown IDs are ignored.
	Rebalance []core.TopologyID
}

// badInput returns an ErrBadInput with a description.
func badInput(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadInput, fmt.Sprintf(format, args...))
}

// validate checks in against the contract of Schedule.
func validate(in Input) error {
	if len(in.Supervisors) > SupervisorsMax {
		return badInput("%d supervisors, more than %d", len(in.Supervisors), SupervisorsMax)
	}
	if len(in.Topologies) > TopologiesMax {
		return badInput("%d topologies, more than %d", len(in.Topologies), TopologiesMax)
	}
	supervisors := make(map[core.SupervisorID]bool, len(in.Supervisors))
	for _, s := range in.Supervisors {
		if err := validateSupervisor(s); err != nil {
			return err
		}
		if supervisors[s.ID] {
			return badInput("supervisor %q listed twice", s.ID)
		}
		supervisors[s.ID] = true
	}
	tasks := 0
	topologies := make(map[core.TopologyID]bool, len(in.Topologies))
	for i := range in.Topologies {
		t := &in.Topologies[i]
		if topologies[t.ID] {
			return badInput("topology %q listed twice", t.ID)
		}
		topologies[t.ID] = true
		if tasks += len(t.Tasks); tasks > TasksMax {
			return badInput("more than %d tasks", TasksMax)
		}
		if err := validateTopology(t); err != nil {
			return fmt.Errorf("topology %q: %w", t.ID, err)
		}
	}
	return nil
}

func validateSupervisor(s Supervisor) error {
	switch {
	case s.ID == "":
		return badInput("supervisor with an empty id")
	case s.Host == "":
		return badInput("supervisor %q has no host", s.ID)
	case len(s.Slots) > SlotsPerSupervisorMax:
		return badInput("supervisor %q has %d slots, more than %d", s.ID, len(s.Slots), SlotsPerSupervisorMax)
	case !s.Capacity.valid():
		return badInput("supervisor %q capacity %v outside [0, %d]", s.ID, s.Capacity, int64(ResourceMax))
	}
	ports := make(map[core.Port]bool, len(s.Slots))
	for _, p := range s.Slots {
		if ports[p] {
			return badInput("supervisor %q lists port %d twice", s.ID, p)
		}
		ports[p] = true
	}
	return nil
}

func validateTopology(t *Topology) error {
	switch {
	case t.ID == "":
		return badInput("topology with an empty id")
	case t.Workers < 1 || t.Workers > WorkersMax:
		return badInput("workers %d outside [1, %d]", t.Workers, WorkersMax)
	case len(t.Tasks) == 0:
		return badInput("no tasks")
	case len(t.Edges) > EdgesMax:
		return badInput("%d edges, more than %d", len(t.Edges), EdgesMax)
	}
	components := make(map[string]bool)
	ids := make(map[core.TaskID]bool, len(t.Tasks))
	for _, task := range t.Tasks {
		switch {
		case ids[task.ID]:
			return badInput("task %d listed twice", task.ID)
		case task.Component == "":
			return badInput("task %d has no component", task.ID)
		case !task.Demand.valid():
			return badInput("task %d demand %v outside [0, %d]", task.ID, task.Demand, int64(ResourceMax))
		}
		ids[task.ID] = true
		components[task.Component] = true
	}
	for _, e := range t.Edges {
		if !components[e.From] || !components[e.To] {
			return badInput("edge %s-%s names a component without tasks", e.From, e.To)
		}
	}
	// Sorted, so that of several bad pins the same one is always reported.
	for _, component := range slices.Sorted(maps.Keys(t.Pins)) {
		if err := validatePin(components, component, t.Pins[component]); err != nil {
			return err
		}
	}
	return nil
}

func validatePin(components map[string]bool, component string, hosts []string) error {
	switch {
	case !components[component]:
		return badInput("pin of component %q, which has no tasks", component)
	case len(hosts) == 0 || len(hosts) > PinnedHostsMax:
		return badInput("component %q pinned to %d hosts, want 1 to %d", component, len(hosts), PinnedHostsMax)
	}
	for _, h := range hosts {
		if h == "" {
			return badInput("component %q pinned to an empty host name", component)
		}
	}
	return nil
}
