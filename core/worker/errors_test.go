package worker

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// lastHeartbeat returns the last heartbeat among effs.
func lastHeartbeat(t *testing.T, effs []core.Effect) (protocol.WorkerHeartbeat, bool) {
	t.Helper()
	var hb protocol.WorkerHeartbeat
	found := false
	for _, e := range effs {
		if s, ok := e.(core.Send); ok && s.To == "s1" {
			msg, err := protocol.DecodeMessage(s.Payload)
			if err != nil {
				t.Fatal(err)
			}
			hb, found = msg.(protocol.WorkerHeartbeat), true
		}
	}
	return hb, found
}

// A bolt's ReportError rides the worker's heartbeats, stamped with the
// worker's port and time, at most ErrorsPerComponentMax per component.
func TestHeartbeatCarriesTaskErrors(t *testing.T) {
	topo, err := examples.Complaints("wc", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []core.TaskID
	for _, tk := range topology.Tasks(topo) {
		ids = append(ids, tk.ID)
	}
	m := New(Config{Spec: spec, Supervisor: "s1", Topology: topo, Rand: rand.New(rand.NewPCG(1, 2))})
	m.Step(0, fromSup(protocol.WorkerAssign{Topology: "wc", Port: 6700, Epoch: 3, Assigned: true, Tasks: ids,
		Workers: []protocol.WorkerAssignment{{Supervisor: "s1", Port: 6700, Tasks: ids}}}))
	var hb protocol.WorkerHeartbeat
	var effs []core.Effect
	for s := range 40 { // 20 s: past two throttle periods
		m.Step(core.Time(time.Duration(s)*500*time.Millisecond), core.Tick{})
		effs = append(effs, m.Ready()...)
	}
	hb, ok := lastHeartbeat(t, effs)
	if !ok {
		t.Fatal("got no heartbeat, want one per second")
	}
	if len(hb.Errors) != protocol.ErrorsPerComponentMax {
		t.Fatalf("got %d errors in the heartbeat, want %d (2 tasks, 5 per 10 s each, 10 per component): %+v",
			len(hb.Errors), protocol.ErrorsPerComponentMax, hb.Errors)
	}
	for i, e := range hb.Errors {
		if e.Component != "complain" || e.Port != 6700 || e.Error == "" || e.Seq == 0 {
			t.Errorf("error %d: got %+v, want component complain, port 6700, a message and a sequence", i, e)
		}
		if i > 0 && e.TimeNs < hb.Errors[i-1].TimeNs {
			t.Errorf("error %d: got time %s before %s, want oldest first", i, e.TimeNs, hb.Errors[i-1].TimeNs)
		}
	}
}

// The heartbeat keeps the newest errors: per component, and in all.
func TestTaskErrorsSelectsNewest(t *testing.T) {
	fake := &errorsPlane{}
	for i := range 3 * protocol.HeartbeatErrorsMax {
		comp := "a"
		if i%3 == 0 {
			comp = "b"
		}
		fake.errs = append(fake.errs, task.Error{Task: core.TaskID(1 + i%3), Component: comp,
			Message: "x", Time: core.Time(i), Seq: uint64(i)})
	}
	m := New(Config{Spec: spec, Supervisor: "s1"})
	m.dp = &dataplane{plane: fake}
	got := m.taskErrors()
	perComp := map[string]int{}
	for _, e := range got {
		perComp[e.Component]++
	}
	if perComp["a"] != protocol.ErrorsPerComponentMax || perComp["b"] != protocol.ErrorsPerComponentMax {
		t.Errorf("got %v per component, want %d each", perComp, protocol.ErrorsPerComponentMax)
	}
	if newest := got[len(got)-1]; newest.TimeNs != core.Time(3*protocol.HeartbeatErrorsMax-1) {
		t.Errorf("got newest at %d, want %d", newest.TimeNs, 3*protocol.HeartbeatErrorsMax-1)
	}
}

// errorsPlane is a plane that only holds errors.
type errorsPlane struct {
	Plane
	errs []task.Error
}

func (p *errorsPlane) Errors(dst []task.Error) []task.Error { return append(dst, p.errs...) }
