package lanes_test

import (
	"strings"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/lanes"
)

// The errors a task reports on its stepped lane reach the machine through
// Stepped.Errors, as they do through the real lanes' Plane.Errors.
func TestSteppedErrorsArePublished(t *testing.T) {
	topo, err := examples.Complaints("errs", 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, topo, 1, 1, lanes.DefaultBounds, nil)
	p := w.planes[0]
	reporters := func() int {
		tasks := map[core.TaskID]bool{}
		for _, e := range p.Errors(nil) {
			tasks[e.Task] = true
		}
		return len(tasks)
	}
	if !w.pump(t, func() bool { return reporters() == 2 }) {
		t.Fatalf("got errors %+v, want the 2 complain tasks' within %d steps", p.Errors(nil), stepsMax)
	}
	for _, e := range p.Errors(nil) {
		if e.Component != "complain" || !strings.HasPrefix(e.Message, "complain: cannot handle") || e.Seq == 0 {
			t.Errorf("got %+v, want an error of complain with its sequence", e)
		}
	}
}
