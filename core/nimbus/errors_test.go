package nimbus

import (
	"fmt"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// statusErrors asks the leader for wc's status and returns each
// component's errors.
func statusErrors(t *testing.T, h *harness) map[string][]protocol.TaskError {
	t.Helper()
	r, ok := h.request(h.peer("a"), protocol.ClientRequest{Op: protocol.OpStatus, Topology: "wc"})
	if !ok || !r.OK || len(r.Topologies) != 1 {
		t.Fatalf("status: got %+v (replied %t), want one topology", r, ok)
	}
	out := map[string][]protocol.TaskError{}
	for _, c := range r.Topologies[0].Components {
		out[c.Name] = c.Errors
	}
	return out
}

// heartbeatWithErrors is s1's heartbeat with errs on its first worker.
func heartbeatWithErrors(t *testing.T, h *harness, errs []protocol.TaskError) protocol.SupervisorHeartbeat {
	t.Helper()
	hb := h.heartbeat(h.sups["s1"])
	if len(hb.Workers) == 0 {
		t.Fatal("s1 runs no worker of wc")
	}
	hb.Workers[0].Errors = errs
	return hb
}

// Errors that supervisors report reach the status answer, with the host
// and port they came from and their age, newest first; repeats are kept
// once, unknown components are refused, and only the newest
// ErrorsPerComponentMax per component stay.
func TestStatusShowsReportedErrors(t *testing.T) {
	h := newHarness(t)
	h.do("start a:2", "sup s1 slots=6700", "submit a wc workers=1", "run 20s")
	var errs []protocol.TaskError
	for i := range 15 {
		errs = append(errs, protocol.TaskError{Component: "sink", Task: 3, Error: fmt.Sprintf("boom %d", i),
			TimeNs: core.Time(time.Duration(i) * time.Second), Seq: uint64(i + 1)})
	}
	bogus := protocol.TaskError{Component: "nope", Task: 1, Error: "x", Seq: 1}
	hb := heartbeatWithErrors(t, h, append(errs[:3:3], bogus))
	h.send(h.peer("a"), "s1", hb)
	h.send(h.peer("a"), "s1", hb) // every heartbeat repeats them
	got := statusErrors(t, h)
	if len(got["sink"]) != 3 || len(got["nope"]) != 0 {
		t.Fatalf("got errors %+v, want 3 of sink and none of an unknown component", got)
	}
	newest := got["sink"][0]
	port := hb.Workers[0].Port
	age := int64(h.now.Sub(errs[2].TimeNs) / time.Second)
	if newest.Error != "boom 2" || newest.Host != "s1-host" || newest.Port != port || newest.AgeSecs != age {
		t.Errorf("got newest %+v, want boom 2 from s1-host:%d, %ds old", newest, port, age)
	}
	h.send(h.peer("a"), "s1", heartbeatWithErrors(t, h, errs))
	got = statusErrors(t, h)
	if n := len(got["sink"]); n != protocol.ErrorsPerComponentMax || got["sink"][0].Error != "boom 14" || got["sink"][n-1].Error != "boom 5" {
		t.Errorf("got %d errors %+v, want the newest %d: boom 14 down to boom 5", n, got["sink"], protocol.ErrorsPerComponentMax)
	}
	if s := h.peer("a").m.Stats(); s.Corrupt != 2 {
		t.Errorf("got %d corrupt, want 2 (the unknown component, twice)", s.Corrupt)
	}
}

// A killed topology's errors go with it: a new one of the same name starts
// with none.
func TestKillDropsErrors(t *testing.T) {
	h := newHarness(t)
	h.do("start a:2", "sup s1 slots=6700", "submit a wc workers=1", "run 1s")
	h.send(h.peer("a"), "s1", heartbeatWithErrors(t, h, []protocol.TaskError{{Component: "src", Task: 1, Error: "old", Seq: 1}}))
	if got := statusErrors(t, h); len(got["src"]) != 1 {
		t.Fatalf("got %+v, want one error of src", got)
	}
	h.do("kill a wc", "run 2s", "submit a wc workers=1", "run 1s")
	if got := statusErrors(t, h); len(got["src"]) != 0 {
		t.Errorf("got %+v after kill and resubmit, want no errors", got["src"])
	}
}
