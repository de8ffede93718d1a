package topology

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. A *ValidationError matches ErrInvalid and the sentinel of
// each of its problems, so errors.Is(err, ErrUnknownStream) works on it.
var (
	ErrInvalid          = errors.New("topology: invalid topology")
	ErrName             = errors.New("topology: invalid name")
	ErrReserved         = errors.New("topology: reserved name")
	ErrDuplicate        = errors.New("topology: duplicate")
	ErrUnknownComponent = errors.New("topology: unknown component")
	ErrUnknownStream    = errors.New("topology: unknown stream")
	ErrUnknownField     = errors.New("topology: unknown field")
	ErrParallelism      = errors.New("topology: bad parallelism")
	ErrGrouping         = errors.New("topology: bad grouping")
	ErrResources        = errors.New("topology: bad resources")
	ErrSpoutInput       = errors.New("topology: spout with inputs")
	ErrNoSpout          = errors.New("topology: no spout")
	ErrConfig           = errors.New("topology: bad config")
	ErrLimit            = errors.New("topology: over a limit")
	ErrCapacity         = errors.New("topology: task exceeds capacity")
)

// problemsMax bounds the problems one ValidationError keeps; a spec from a
// hostile or broken client could otherwise produce one per byte.
const problemsMax = 32

// Problem is one reason a topology is invalid.
type Problem struct {
	// Path locates the problem, e.g. "bolts.count.inputs.split/default" or
	// "config.workers". A name that is not a valid name appears quoted.
	Path   string
	Err    error // the sentinel it matches
	Detail string
}

func (p Problem) Error() string { return p.Path + ": " + p.Detail }
func (p Problem) Unwrap() error { return p.Err }

// ValidationError lists what is wrong with a topology.
type ValidationError struct {
	Topology string
	Problems []Problem // at most problemsMax
	Omitted  int       // problems found beyond those kept
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "topology: invalid topology %q: ", e.Topology)
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "; and %d more", e.Omitted)
	}
	return b.String()
}

// Is makes every ValidationError match ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the problems, so errors.Is finds their sentinels.
func (e *ValidationError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// validator collects problems in a deterministic order: slices in their
// order, maps in sorted key order.
type validator struct {
	problems []Problem
	omitted  int
}

func (v *validator) add(path string, err error, format string, args ...any) {
	if len(v.problems) >= problemsMax {
		v.omitted++
		return
	}
	v.problems = append(v.problems, Problem{Path: path, Err: err, Detail: fmt.Sprintf(format, args...)})
}

func (v *validator) err(name string) error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Topology: name, Problems: v.problems, Omitted: v.omitted}
}
