package grouping

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

// Sentinel errors; New and Direct wrap them with details.
var (
	ErrUnknownKind   = errors.New("grouping: unknown kind")
	ErrUnknownField  = errors.New("grouping: unknown field")
	ErrUnknownCustom = errors.New("grouping: unknown custom grouping")
	ErrGrouping      = errors.New("grouping: bad grouping")
	ErrTargets       = errors.New("grouping: bad targets")
	ErrNotDirect     = errors.New("grouping: not a direct grouping")
	ErrNotTarget     = errors.New("grouping: not a target task")
)

// Router divides the tuples one task emits on one stream among the tasks of
// one subscribing bolt. A Router belongs to its emitting task and is used by
// one goroutine: it holds state (the shuffle position, partial-key loads) and
// draws from the task's random source.
type Router interface {
	// Route appends to dst the tasks that receive a tuple with these values
	// and returns the extended slice. It allocates only when dst must grow,
	// so an emitter that passes back dst[:0] routes without allocating.
	// A direct router appends nothing: the emitter names the task.
	Route(values []any, dst []core.TaskID) []core.TaskID
	// Direct reports whether the emitter may send a tuple straight to task:
	// nil when the grouping is direct and task is one of its targets.
	Direct(task core.TaskID) error
}

// New returns the router of grouping g for a stream with sourceFields, whose
// subscriber runs targets (in any order, each once), placed as p says.
// The router keeps rng, which must not be nil; routers of one task may share
// it since they run on one goroutine. Build a new router when the
// assignment changes: local groupings read p only here.
func New(g topology.Grouping, sourceFields []string, targets []core.TaskID, p Placement, rng *rand.Rand) (Router, error) {
	core.Assert(rng != nil, "grouping.New without a random source")
	if err := newCheckShape(g); err != nil {
		return nil, err
	}
	sorted, err := newSortTargets(targets)
	if err != nil {
		return nil, err
	}
	switch g.Kind {
	case topology.GroupShuffle, topology.GroupNone:
		return newShuffle(g.Kind, sorted, rng), nil
	case topology.GroupFields, topology.GroupPartialKey:
		indexes, err := newFieldIndexes(g, sourceFields)
		if err != nil {
			return nil, err
		}
		if g.Kind == topology.GroupFields {
			return &fieldsRouter{notDirect{g.Kind}, sorted, indexes}, nil
		}
		return &partialKeyRouter{notDirect{g.Kind}, sorted, indexes, make([]uint64, len(sorted))}, nil
	case topology.GroupAll:
		return &allRouter{notDirect{g.Kind}, sorted}, nil
	case topology.GroupGlobal:
		return &globalRouter{notDirect{g.Kind}, sorted[0]}, nil
	case topology.GroupDirect:
		return &directRouter{sorted}, nil
	case topology.GroupLocalOrShuffle:
		return newShuffle(g.Kind, p.nearest(sorted, SameWorker), rng), nil
	case topology.GroupLocalFirst:
		return newShuffle(g.Kind, p.nearest(sorted, SameWorker, SameHost), rng), nil
	case topology.GroupCustom:
		r, err := newCustom(g.Custom, sorted)
		if err != nil {
			return nil, err // not r: a nil *customRouter is a non-nil Router
		}
		return r, nil
	}
	panic("unreachable: newCheckShape accepted kind " + string(g.Kind))
}

// newCheckShape checks that g is a known kind carrying what its kind needs:
// fields for fields and partial-key groupings, a name for custom ones, and
// nothing else. Topology validation checks the same; a router must not rely
// on its caller having validated.
func newCheckShape(g topology.Grouping) error {
	switch g.Kind {
	case topology.GroupShuffle, topology.GroupNone, topology.GroupAll, topology.GroupGlobal,
		topology.GroupDirect, topology.GroupLocalOrShuffle, topology.GroupLocalFirst:
	case topology.GroupFields, topology.GroupPartialKey:
		if len(g.Fields) == 0 {
			return fmt.Errorf("%w: %s grouping needs at least one field", ErrGrouping, g.Kind)
		}
	case topology.GroupCustom:
		if g.Custom == "" {
			return fmt.Errorf("%w: custom grouping without a name", ErrGrouping)
		}
	default:
		return fmt.Errorf("%w %q", ErrUnknownKind, g.Kind)
	}
	if len(g.Fields) > 0 && g.Kind != topology.GroupFields && g.Kind != topology.GroupPartialKey {
		return fmt.Errorf("%w: %s grouping takes no fields, got %s", ErrGrouping, g.Kind, strings.Join(g.Fields, ", "))
	}
	if g.Custom != "" && g.Kind != topology.GroupCustom {
		return fmt.Errorf("%w: %s grouping takes no custom name, got %q", ErrGrouping, g.Kind, g.Custom)
	}
	return nil
}

// newSortTargets returns a sorted copy of targets. Routers work on sorted
// targets so that a route depends on the set of tasks, not on the order a
// caller happened to list them in: fields groupings must agree across
// processes.
func newSortTargets(targets []core.TaskID) ([]core.TaskID, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: no target tasks", ErrTargets)
	}
	sorted := slices.Clone(targets)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return nil, fmt.Errorf("%w: task %d listed twice", ErrTargets, sorted[i])
		}
	}
	return sorted, nil
}

// newFieldIndexes returns the positions of g's fields in the source stream.
func newFieldIndexes(g topology.Grouping, sourceFields []string) ([]int, error) {
	indexes := make([]int, len(g.Fields))
	for i, f := range g.Fields {
		indexes[i] = slices.Index(sourceFields, f)
		if indexes[i] < 0 {
			return nil, fmt.Errorf("%w %q in %s grouping (the source stream declares %s)",
				ErrUnknownField, f, g.Kind, declared(sourceFields))
		}
	}
	return indexes, nil
}

func declared(fields []string) string {
	if len(fields) == 0 {
		return "no fields"
	}
	return strings.Join(fields, ", ")
}

// notDirect gives the routers of every kind but direct their Direct method.
type notDirect struct{ kind topology.GroupingKind }

func (n notDirect) Direct(task core.TaskID) error {
	return fmt.Errorf("%w: cannot send directly to task %d over a %s grouping", ErrNotDirect, task, n.kind)
}

// allRouter sends every tuple to every target.
type allRouter struct {
	notDirect
	targets []core.TaskID
}

func (r *allRouter) Route(_ []any, dst []core.TaskID) []core.TaskID {
	return append(dst, r.targets...)
}

// globalRouter sends every tuple to the target with the lowest id.
type globalRouter struct {
	notDirect
	lowest core.TaskID
}

func (r *globalRouter) Route(_ []any, dst []core.TaskID) []core.TaskID {
	return append(dst, r.lowest)
}

// directRouter routes nothing itself; it checks the emitter's choice.
type directRouter struct {
	targets []core.TaskID // sorted
}

func (r *directRouter) Route(_ []any, dst []core.TaskID) []core.TaskID { return dst }

func (r *directRouter) Direct(task core.TaskID) error {
	if _, ok := slices.BinarySearch(r.targets, task); ok {
		return nil
	}
	return fmt.Errorf("%w: task %d is none of the %d target tasks (%d to %d)",
		ErrNotTarget, task, len(r.targets), r.targets[0], r.targets[len(r.targets)-1])
}
