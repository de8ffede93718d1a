package grouping

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

// registerTestCustom registers a custom grouping for the length of a test.
func registerTestCustom(t *testing.T, name string, factory func() CustomGrouping) {
	t.Helper()
	RegisterCustom(name, factory)
	t.Cleanup(func() { delete(customFactories, name) })
}

// firstTwo sends every tuple to the two lowest targets and remembers what it
// was prepared with.
type firstTwo struct{ prepared []core.TaskID }

func (f *firstTwo) Prepare(targets []core.TaskID) { f.prepared = targets }
func (f *firstTwo) Choose(_ []any, dst []core.TaskID) []core.TaskID {
	return append(dst, f.prepared[:min(2, len(f.prepared))]...)
}

// stray chooses a task that does not subscribe.
type stray struct{}

func (stray) Prepare([]core.TaskID) {}
func (stray) Choose(_ []any, dst []core.TaskID) []core.TaskID {
	return append(dst, 3, 999)
}

func TestCustom(t *testing.T) {
	var made []*firstTwo
	registerTestCustom(t, "test.firstTwo", func() CustomGrouping {
		f := &firstTwo{}
		made = append(made, f)
		return f
	})
	g := topology.Grouping{Kind: topology.GroupCustom, Custom: "test.firstTwo"}
	a := mustNew(t, g, testSource, testTargets, Placement{}, 1)
	b := mustNew(t, g, testSource, []core.TaskID{8, 6}, Placement{}, 1)
	if len(made) != 2 || made[0] == made[1] {
		t.Fatalf("two routers made %d instances, want 2 distinct", len(made))
	}
	if got, want := made[0].prepared, []core.TaskID{3, 5, 7, 9}; !slices.Equal(got, want) {
		t.Errorf("Prepare got %v, want the targets sorted %v", got, want)
	}
	if got, want := a.Route([]any{1, "x"}, []core.TaskID{100}), []core.TaskID{100, 3, 5}; !slices.Equal(got, want) {
		t.Errorf("Route: got %v, want %v", got, want)
	}
	if got, want := b.Route(nil, nil), []core.TaskID{6, 8}; !slices.Equal(got, want) {
		t.Errorf("second router Route: got %v, want %v", got, want)
	}
	if err := a.Direct(3); !errors.Is(err, ErrNotDirect) {
		t.Errorf("Direct: got %v, want %v", err, ErrNotDirect)
	}
	// Prepare got a copy: the implementation may not disturb the router.
	made[0].prepared[0] = 999
	if got := a.(*customRouter).targets; slices.Contains(got, 999) {
		t.Errorf("the implementation changed the router's targets to %v", got)
	}
}

func TestCustomStrayPanics(t *testing.T) {
	registerTestCustom(t, "test.stray", func() CustomGrouping { return stray{} })
	r := mustNew(t, topology.Grouping{Kind: topology.GroupCustom, Custom: "test.stray"}, nil, testTargets, Placement{}, 1)
	defer func() {
		msg := fmt.Sprint(recover())
		if want := `custom grouping "test.stray" chose task 999`; !strings.Contains(msg, want) {
			t.Errorf("got panic %q, want one containing %q", msg, want)
		}
	}()
	r.Route(nil, nil)
}

func TestRegisterCustomPanics(t *testing.T) {
	registerTestCustom(t, "test.once", func() CustomGrouping { return stray{} })
	cases := []struct {
		name    string
		regName string
		factory func() CustomGrouping
		want    string
	}{
		{"twice", "test.once", func() CustomGrouping { return stray{} }, "called twice for test.once"},
		{"empty name", "", func() CustomGrouping { return stray{} }, "needs a name and a factory"},
		{"nil factory", "test.nil", nil, "needs a name and a factory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if msg := fmt.Sprint(recover()); !strings.Contains(msg, c.want) {
					t.Errorf("got panic %q, want one containing %q", msg, c.want)
				}
			}()
			RegisterCustom(c.regName, c.factory)
		})
	}
	if _, ok := customFactories["test.nil"]; ok {
		t.Error("a nil factory was registered")
	}
}
