package grouping

import (
	"fmt"
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

// CustomGrouping is a grouping an author implements, Storm's
// CustomStreamGrouping. Each router gets its own instance from the
// registered factory, so an instance serves one emitting task on one
// goroutine and may keep state without locks.
type CustomGrouping interface {
	// Prepare is called once, before any Choose, with the subscriber's tasks
	// sorted by id. The slice is the instance's own to keep.
	Prepare(targets []core.TaskID)
	// Choose appends the tasks that receive a tuple with these values to dst
	// and returns the extended slice; it should not allocate in steady state.
	// Every task it appends must be one of the prepared targets.
	Choose(values []any, dst []core.TaskID) []core.TaskID
}

// customFactories holds the registered custom groupings by name. It is a
// plain map because core may not import sync: register only from init
// functions, as with database/sql drivers, and never concurrently with
// RegisterCustom or New.
var customFactories = map[string]func() CustomGrouping{}

// RegisterCustom makes a custom grouping available under name, the name a
// topology's Grouping.Custom refers to. Call it from an init function only: it
// is not safe for concurrent use. It panics when name is empty, factory is
// nil, or name is already registered.
func RegisterCustom(name string, factory func() CustomGrouping) {
	if name == "" || factory == nil {
		panic("grouping: RegisterCustom needs a name and a factory")
	}
	if _, dup := customFactories[name]; dup {
		panic("grouping: RegisterCustom called twice for " + name)
	}
	customFactories[name] = factory
}

// customRouter runs a registered CustomGrouping and checks its choices: a
// tuple sent to a task that does not subscribe would reach the wrong bolt.
type customRouter struct {
	notDirect
	name    string
	impl    CustomGrouping
	targets []core.TaskID // sorted
}

func newCustom(name string, targets []core.TaskID) (*customRouter, error) {
	factory, ok := customFactories[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (register it with grouping.RegisterCustom)", ErrUnknownCustom, name)
	}
	impl := factory()
	core.Assert(impl != nil, "custom grouping %q: factory returned nil", name)
	impl.Prepare(slices.Clone(targets))
	return &customRouter{notDirect: notDirect{topology.GroupCustom}, name: name, impl: impl, targets: targets}, nil
}

// Route panics when the implementation chooses a task that is not a target:
// the author's code is broken and no tuple may go astray.
func (r *customRouter) Route(values []any, dst []core.TaskID) []core.TaskID {
	start := len(dst)
	dst = r.impl.Choose(values, dst)
	for _, t := range dst[start:] {
		if _, ok := slices.BinarySearch(r.targets, t); !ok {
			panic(fmt.Sprintf("grouping: custom grouping %q chose task %d, which is not a target", r.name, t))
		}
	}
	return dst
}
