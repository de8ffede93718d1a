package grouping

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

func testRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// mustNew builds a router or fails the test.
func mustNew(t testing.TB, g topology.Grouping, source []string, targets []core.TaskID, p Placement, seed uint64) Router {
	t.Helper()
	r, err := New(g, source, targets, p, testRand(seed))
	if err != nil {
		t.Fatalf("New(%+v, %v, %v): %v", g, source, targets, err)
	}
	return r
}

// routeCounts routes n tuples whose first value is i (so fields groupings see
// n keys) and counts the tasks each reaches and the tasks per Route.
func routeCounts(r Router, n int) (counts map[core.TaskID]int, perRoute []int) {
	counts = map[core.TaskID]int{}
	var dst []core.TaskID
	values := []any{0, "x"}
	for i := range n {
		values[0] = i
		dst = r.Route(values, dst[:0])
		perRoute = append(perRoute, len(dst))
		for _, t := range dst {
			counts[t]++
		}
	}
	return counts, perRoute
}

func sortedKeys(m map[core.TaskID]int) []core.TaskID {
	keys := make([]core.TaskID, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var (
	testSource  = []string{"key", "word"}
	testTargets = []core.TaskID{9, 3, 7, 5} // unsorted on purpose
	// testNear: the emitter runs in worker 0 on h1 with 5 and 9 (and 42,
	// which does not subscribe); 3 runs in worker 1, also on h1; 7 in
	// worker 2 on h2.
	testNear = Placement{
		WorkerOf:    map[core.TaskID]int{5: 0, 9: 0, 42: 0, 3: 1, 7: 2},
		HostOf:      map[int]string{0: "h1", 1: "h1", 2: "h2"},
		LocalWorker: 0,
	}
	// testHostOnly: as testNear, but 5 and 9 run in worker 3 on h3.
	testHostOnly = Placement{
		WorkerOf:    map[core.TaskID]int{42: 0, 3: 1, 7: 2, 5: 3, 9: 3},
		HostOf:      map[int]string{0: "h1", 1: "h1", 2: "h2", 3: "h3"},
		LocalWorker: 0,
	}
)

// TestGroupings routes 400 tuples with distinct keys through every kind and
// checks which tasks they reach and how many tasks each Route appends.
func TestGroupings(t *testing.T) {
	cases := []struct {
		name     string
		g        topology.Grouping
		p        Placement
		reached  []core.TaskID // every task reached, sorted
		perRoute int           // tasks appended by every Route
	}{
		{"shuffle", topology.Grouping{Kind: topology.GroupShuffle}, Placement{}, []core.TaskID{3, 5, 7, 9}, 1},
		{"none is shuffle", topology.Grouping{Kind: topology.GroupNone}, testNear, []core.TaskID{3, 5, 7, 9}, 1},
		{"fields", topology.Grouping{Kind: topology.GroupFields, Fields: []string{"key"}}, Placement{}, []core.TaskID{3, 5, 7, 9}, 1},
		{"fields constant key", topology.Grouping{Kind: topology.GroupFields, Fields: []string{"word"}}, Placement{}, []core.TaskID{5}, 1},
		{"partial key", topology.Grouping{Kind: topology.GroupPartialKey, Fields: []string{"key"}}, Placement{}, []core.TaskID{3, 5, 7, 9}, 1},
		{"partial key constant key", topology.Grouping{Kind: topology.GroupPartialKey, Fields: []string{"word"}}, Placement{}, []core.TaskID{3, 5}, 1},
		{"all", topology.Grouping{Kind: topology.GroupAll}, testNear, []core.TaskID{3, 5, 7, 9}, 4},
		{"global", topology.Grouping{Kind: topology.GroupGlobal}, testNear, []core.TaskID{3}, 1},
		{"direct", topology.Grouping{Kind: topology.GroupDirect}, testNear, []core.TaskID{}, 0},
		{"local or shuffle, local", topology.Grouping{Kind: topology.GroupLocalOrShuffle}, testNear, []core.TaskID{5, 9}, 1},
		{"local or shuffle ignores host", topology.Grouping{Kind: topology.GroupLocalOrShuffle}, testHostOnly, []core.TaskID{3, 5, 7, 9}, 1},
		{"local or shuffle, none local", topology.Grouping{Kind: topology.GroupLocalOrShuffle}, Placement{}, []core.TaskID{3, 5, 7, 9}, 1},
		{"local first, worker", topology.Grouping{Kind: topology.GroupLocalFirst}, testNear, []core.TaskID{5, 9}, 1},
		{"local first, host", topology.Grouping{Kind: topology.GroupLocalFirst}, testHostOnly, []core.TaskID{3}, 1},
		{"local first, any", topology.Grouping{Kind: topology.GroupLocalFirst}, Placement{}, []core.TaskID{3, 5, 7, 9}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := mustNew(t, c.g, testSource, testTargets, c.p, 1)
			counts, perRoute := routeCounts(r, 400)
			if got := sortedKeys(counts); !slices.Equal(got, c.reached) {
				t.Errorf("reached %v, want %v", got, c.reached)
			}
			for i, n := range perRoute {
				if n != c.perRoute {
					t.Fatalf("route %d appended %d tasks, want %d", i, n, c.perRoute)
				}
			}
		})
	}
}

func TestRouteAppends(t *testing.T) {
	r := mustNew(t, topology.Grouping{Kind: topology.GroupAll}, nil, testTargets, Placement{}, 1)
	dst := []core.TaskID{100}
	if got, want := r.Route(nil, dst), []core.TaskID{100, 3, 5, 7, 9}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got, want := testTargets, []core.TaskID{9, 3, 7, 5}; !slices.Equal(got, want) {
		t.Errorf("New changed the caller's targets to %v, want %v", got, want)
	}
}

func TestDirect(t *testing.T) {
	r := mustNew(t, topology.Grouping{Kind: topology.GroupDirect}, testSource, testTargets, Placement{}, 1)
	for _, task := range testTargets {
		if err := r.Direct(task); err != nil {
			t.Errorf("Direct(%d): got %v, want nil", task, err)
		}
	}
	for _, task := range []core.TaskID{0, 4, 10, -1} {
		if err := r.Direct(task); !errors.Is(err, ErrNotTarget) {
			t.Errorf("Direct(%d): got %v, want %v", task, err, ErrNotTarget)
		}
	}
	if got := r.Route([]any{1, "a"}, nil); len(got) != 0 {
		t.Errorf("direct Route: got %v, want nothing", got)
	}
	for _, kind := range []topology.GroupingKind{topology.GroupShuffle, topology.GroupAll, topology.GroupGlobal, topology.GroupLocalFirst} {
		r := mustNew(t, topology.Grouping{Kind: kind}, testSource, testTargets, Placement{}, 1)
		if err := r.Direct(3); !errors.Is(err, ErrNotDirect) {
			t.Errorf("%s Direct(3): got %v, want %v", kind, err, ErrNotDirect)
		}
	}
}

func TestNewErrors(t *testing.T) {
	registerTestCustom(t, "test.errors", func() CustomGrouping { return &firstTwo{} })
	fields := func(kind topology.GroupingKind, f ...string) topology.Grouping {
		return topology.Grouping{Kind: kind, Fields: f}
	}
	cases := []struct {
		name    string
		g       topology.Grouping
		targets []core.TaskID
		want    error
		detail  string
	}{
		{"unknown field", fields(topology.GroupFields, "key", "nope"), testTargets, ErrUnknownField, `"nope"`},
		{"unknown partial-key field", fields(topology.GroupPartialKey, "Key"), testTargets, ErrUnknownField, "declares key, word"},
		{"no targets", topology.Grouping{Kind: topology.GroupShuffle}, nil, ErrTargets, "no target"},
		{"duplicate target", topology.Grouping{Kind: topology.GroupAll}, []core.TaskID{4, 2, 4}, ErrTargets, "task 4 listed twice"},
		{"unknown kind", topology.Grouping{Kind: "round_robin"}, testTargets, ErrUnknownKind, `"round_robin"`},
		{"empty kind", topology.Grouping{}, testTargets, ErrUnknownKind, `""`},
		{"unknown custom", topology.Grouping{Kind: topology.GroupCustom, Custom: "nope"}, testTargets, ErrUnknownCustom, `"nope"`},
		{"custom without name", topology.Grouping{Kind: topology.GroupCustom}, testTargets, ErrGrouping, "without a name"},
		{"fields without fields", fields(topology.GroupFields), testTargets, ErrGrouping, "at least one field"},
		{"shuffle with fields", fields(topology.GroupShuffle, "key"), testTargets, ErrGrouping, "takes no fields"},
		{"global with custom name", topology.Grouping{Kind: topology.GroupGlobal, Custom: "test.errors"}, testTargets, ErrGrouping, "takes no custom name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := New(c.g, testSource, c.targets, Placement{}, testRand(1))
			if !errors.Is(err, c.want) || r != nil {
				t.Fatalf("got (%v, %v), want (nil, %v)", r, err, c.want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "grouping: ") || !strings.Contains(msg, c.detail) {
				t.Errorf("got message %q, want one starting %q and containing %q", msg, "grouping: ", c.detail)
			}
		})
	}
	// The same shapes are accepted when well formed, so the cases above fail
	// for the reason they name.
	for _, g := range []topology.Grouping{fields(topology.GroupFields, "word", "key"), {Kind: topology.GroupCustom, Custom: "test.errors"}} {
		if _, err := New(g, testSource, testTargets, Placement{}, testRand(1)); err != nil {
			t.Errorf("New(%+v): got %v, want nil", g, err)
		}
	}
}

func TestNewPanicsWithoutRand(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New with a nil rng did not panic")
		}
	}()
	_, _ = New(topology.Grouping{Kind: topology.GroupGlobal}, nil, testTargets, Placement{}, nil)
}

func TestLocate(t *testing.T) {
	workers := []protocol.WorkerAssignment{
		{Supervisor: "s1", Host: "h1", Port: 6700, Tasks: []core.TaskID{1, 2}},
		{Supervisor: "s1", Host: "h1", Port: 6701, Tasks: []core.TaskID{3}},
		{Supervisor: "s2", Host: "h2", Port: 6700, Tasks: []core.TaskID{4}},
		{Supervisor: "s3", Host: "h1", Port: 6700, Tasks: []core.TaskID{5}}, // a second supervisor on h1
		{Supervisor: "s4", Host: "", Port: 6700, Tasks: []core.TaskID{6}},
		{Supervisor: "s5", Host: "", Port: 6700, Tasks: []core.TaskID{7}},
	}
	cases := []struct {
		name       string
		supervisor core.SupervisorID
		port       core.Port
		want       string // Locality of tasks 1..7
	}{
		{"s1:6700", "s1", 6700, "same-worker same-worker same-host remote same-host remote remote"},
		{"s1:6701", "s1", 6701, "same-host same-host same-worker remote same-host remote remote"},
		{"s2:6700", "s2", 6700, "remote remote remote same-worker remote remote remote"},
		{"no host", "s4", 6700, "remote remote remote remote remote same-worker remote"},
		{"not in the assignment", "s1", 6702, "remote remote remote remote remote remote remote"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Locate(workers, c.supervisor, c.port)
			var got []string
			for task := core.TaskID(1); task <= 7; task++ {
				got = append(got, p.Of(task).String())
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("got %s, want %s", g, c.want)
			}
		})
	}
}

func TestPlacementOf(t *testing.T) {
	unknownHosts := Placement{WorkerOf: map[core.TaskID]int{1: 0, 2: 1, 3: 2}, HostOf: map[int]string{1: "", 2: "h"}}
	cases := []struct {
		name string
		p    Placement
		want string // Locality of tasks 3, 5, 7, 9, 42, 100
	}{
		{"zero", Placement{}, "remote remote remote remote remote remote"},
		{"near", testNear, "same-host same-worker remote same-worker same-worker remote"},
		{"host only", testHostOnly, "same-host remote remote remote same-worker remote"},
		{"emitter's host unknown", Placement{WorkerOf: testNear.WorkerOf, LocalWorker: 0}, "remote same-worker remote same-worker same-worker remote"},
		{"unknown hosts are not shared", unknownHosts, "remote remote remote remote remote remote"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, task := range []core.TaskID{3, 5, 7, 9, 42, 100} {
				got = append(got, c.p.Of(task).String())
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("got %s, want %s", g, c.want)
			}
		})
	}
	if got := unknownHosts.Of(1); got != SameWorker {
		t.Errorf("unknown hosts: task 1 in the emitter's worker: got %v, want %v", got, SameWorker)
	}
}

// TestRouteAllocationFree checks that every built-in router routes without
// allocating once dst has grown.
func TestRouteAllocationFree(t *testing.T) {
	values := []any{int64(12345), "a word of some length"}
	for _, kind := range []topology.GroupingKind{
		topology.GroupShuffle, topology.GroupNone, topology.GroupFields, topology.GroupPartialKey, topology.GroupAll,
		topology.GroupGlobal, topology.GroupDirect, topology.GroupLocalOrShuffle, topology.GroupLocalFirst,
	} {
		g := topology.Grouping{Kind: kind}
		if kind == topology.GroupFields || kind == topology.GroupPartialKey {
			g.Fields = []string{"word", "key"}
		}
		r := mustNew(t, g, testSource, testTargets, testNear, 1)
		dst := make([]core.TaskID, 0, len(testTargets))
		allocs := testing.AllocsPerRun(1000, func() { dst = r.Route(values, dst[:0]) })
		if allocs != 0 {
			t.Errorf("%s: got %v allocations per Route, want 0", kind, allocs)
		}
	}
}

func TestLocalityString(t *testing.T) {
	got := fmt.Sprint(Remote, SameHost, SameWorker, Locality(7))
	if want := "remote same-host same-worker locality(7)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
