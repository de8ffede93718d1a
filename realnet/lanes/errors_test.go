package lanes_test

import (
	"strings"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
)

// The errors a task reports on its lane reach the machine through
// Plane.Errors, as the lane publishes them.
func TestPlaneErrorsArePublished(t *testing.T) {
	topo, err := examples.Complaints("errs", 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, topo, 1)
	p := c.planes[0]
	reporters := func() int {
		tasks := map[core.TaskID]bool{}
		for _, e := range p.Errors(nil) {
			tasks[e.Task] = true
		}
		return len(tasks)
	}
	if !c.pump(t, func() bool { return reporters() == 2 }) {
		t.Fatalf("got errors %+v, want the 2 complain tasks' within %s", p.Errors(nil), waitMax)
	}
	for _, e := range p.Errors(nil) {
		if e.Component != "complain" || !strings.HasPrefix(e.Message, "complain: cannot handle") || e.Seq == 0 {
			t.Errorf("got %+v, want an error of complain with its sequence", e)
		}
	}
}
