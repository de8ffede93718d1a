package scenarios

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/squall/squall/sim"
)

// Options parameterize one run.
type Options struct {
	Seed  uint64
	Trace io.Writer // optional: one line per simulated event
	// FaultPhase overrides the scenario's safety-phase length (benchmarks use
	// one virtual hour); zero keeps the scenario's default.
	FaultPhase time.Duration
	// Nodes overrides the cluster size the seed would draw; zero keeps it.
	Nodes int
	// Break selects a deliberately broken build of a machine, so that tests
	// can show the checkers catch it. Only tests set it; "" is the real thing.
	Break string
	// Observe, if set, sees every trace line (see sim.Config.Observe).
	Observe func(sim.Record)
	// attach, if set, is called with the cluster a scenario builds, before
	// the run starts; replay uses it to sample leadership and assignments.
	attach func(*cluster)
}

// Result is a run's outcome; its JSON form is what `squall sim run --json`
// prints.
type Result struct {
	Scenario       string             `json:"scenario"`
	Seed           uint64             `json:"seed"`
	Verdict        string             `json:"verdict"` // "pass" or "fail"
	VirtualSeconds float64            `json:"virtual_seconds"`
	WallSeconds    float64            `json:"wall_seconds"`
	Events         uint64             `json:"events"`
	TraceHash      string             `json:"trace_hash"`
	Violations     []string           `json:"violations"`
	Measures       map[string]float64 `json:"measures"`
}

// Verdicts.
const (
	Pass = "pass"
	Fail = "fail"
)

// Passed reports whether the run passed.
func (r Result) Passed() bool { return r.Verdict == Pass }

// ReproduceCommand is the command line that replays this run.
func (r Result) ReproduceCommand() string {
	return fmt.Sprintf("go run ./cmd/squall sim run --scenario %s --seed %d", r.Scenario, r.Seed)
}

// Scenario is one entry of the catalog.
type Scenario struct {
	Name        string
	Description string
	Run         func(Options) Result
	Spec        *Spec // the scenario's file, nil for one registered only in Go
}

var catalog []Scenario

func register(s Scenario) {
	catalog = append(catalog, s)
	slices.SortFunc(catalog, func(a, b Scenario) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
}

// List returns the catalog sorted by name.
func List() []Scenario { return merged() }

// Lookup finds a scenario by name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range merged() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// ErrUnknown is returned for a scenario name not in the catalog.
type ErrUnknown struct{ Name string }

func (e ErrUnknown) Error() string {
	return fmt.Sprintf("scenarios: unknown scenario %q (see `squall sim list`)", e.Name)
}

// Run runs the named scenario.
func Run(name string, opts Options) (Result, error) {
	s, ok := Lookup(name)
	if !ok {
		return Result{}, ErrUnknown{Name: name}
	}
	return s.Run(opts), nil
}
