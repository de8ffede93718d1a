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
	return statusErrorsOf(t, h, "a")
}

func statusErrorsOf(t *testing.T, h *harness, nimbus string) map[string][]protocol.TaskError {
	t.Helper()
	r, ok := h.request(h.peer(nimbus), protocol.ClientRequest{Op: protocol.OpStatus, Topology: "wc"})
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
	h.do("run 6s") // written to ZooKeeper
	if _, _, ok := h.zk.Lookup(h.layout.Errors(h.idOf("wc"))); !ok {
		t.Fatal("got no errors record before the kill, want one")
	}
	h.do("kill a wc", "run 2s")
	if _, _, ok := h.zk.Lookup(h.layout.Errors(h.idOf("wc"))); ok {
		t.Error("got an errors record after the kill, want it deleted with the topology")
	}
	h.do("submit a wc workers=1", "run 1s")
	if got := statusErrors(t, h); len(got["src"]) != 0 {
		t.Errorf("got %+v after kill and resubmit, want no errors", got["src"])
	}
}

// The leader writes the errors to ZooKeeper, at most once per
// errorsWritePeriod however many arrive; a new leader reads them back, so
// they outlive the nimbus that heard them (as Storm's) and the worker that
// reported them.
func TestErrorsSurviveFailover(t *testing.T) {
	h := newHarness(t)
	h.do("start a:2 b:1", "sup s1 slots=6700", "submit a wc workers=1", "run 1s")
	const seconds = 20
	for i := range seconds * 10 { // a new error every 100 ms
		e := protocol.TaskError{Component: "sink", Task: 3, Error: fmt.Sprintf("boom %d", i), TimeNs: h.now, Seq: uint64(i + 1)}
		h.send(h.peer("a"), "s1", heartbeatWithErrors(t, h, []protocol.TaskError{e}))
		h.do("run 100ms")
	}
	data, stat, ok := h.zk.Lookup(h.layout.Errors(h.idOf("wc")))
	if !ok {
		t.Fatal("got no errors record, want the leader to write one")
	}
	if writes := stat.Version + 1; writes > seconds/int32(errorsWritePeriod/time.Second)+1 {
		t.Errorf("got %d writes of the errors record in %ds, want at most one per %s", writes, seconds, errorsWritePeriod)
	}
	rec, err := protocol.DecodeErrors(data)
	if err != nil || len(rec.Components["sink"]) != protocol.ErrorsPerComponentMax || rec.Components["sink"][0].Host != "s1-host" {
		t.Fatalf("got record %+v (%v), want the last %d errors of sink from s1-host", rec, err, protocol.ErrorsPerComponentMax)
	}
	written := rec.Components["sink"]
	h.do("crash a", "run 6s")
	if got := h.leaders(); len(got) != 1 || got[0] != "b" {
		t.Fatalf("got leaders %v, want b", got)
	}
	got := statusErrorsOf(t, h, "b")["sink"]
	if len(got) != len(written) || got[0].Error != written[len(written)-1].Error {
		t.Errorf("b shows %+v, want the %d errors a wrote, newest (%s) first", got, len(written), written[len(written)-1].Error)
	}
}
