package dispatch

import (
	"strings"
	"testing"

	"github.com/squall/squall/core"
)

// recorder is an Executor that logs what each method received.
type recorder struct {
	log    []string
	exited bool
}

func (r *recorder) Live() bool                     { return !r.exited }
func (r *recorder) Begin(e core.Effect)            { r.log = append(r.log, "begin") }
func (r *recorder) Coord(e core.Coord)             { r.log = append(r.log, "coord:"+e.String()) }
func (r *recorder) Persist(e core.Persist)         { r.log = append(r.log, "persist:"+e.String()) }
func (r *recorder) Send(e core.Send)               { r.log = append(r.log, "send:"+e.String()) }
func (r *recorder) StartWorker(e core.StartWorker) { r.log = append(r.log, "start:"+e.String()) }
func (r *recorder) StopWorker(e core.StopWorker)   { r.log = append(r.log, "stop:"+e.String()) }
func (r *recorder) Log(e core.Log)                 { r.log = append(r.log, "log:"+e.Msg) }
func (r *recorder) Exit(e core.Exit) {
	r.log = append(r.log, "exit:"+e.Reason)
	r.exited = true
}

func TestExecuteRoutesInOrderAndStopsAtExit(t *testing.T) {
	effs := []core.Effect{
		core.Persist{Op: 1, Key: []byte("k"), Value: []byte("v")},
		core.Send{To: "n2", Payload: []byte("x")},
		core.Coord{Op: 2, Req: core.GetData{Path: "/a"}},
		core.StartWorker{Op: 3, Spec: core.WorkerSpec{Port: 6700}},
		core.StopWorker{Port: 6701},
		core.NewLog(core.LogInfo, "hello"),
		core.Exit{Reason: "done"},
		core.Send{To: "n2", Payload: []byte("after exit")},
	}
	r := &recorder{}
	if got, want := Execute(r, effs), 7; got != want {
		t.Fatalf("Execute ran: got %d effects, want %d", got, want)
	}
	var got []string
	for _, l := range r.log {
		if l != "begin" {
			got = append(got, strings.SplitN(l, ":", 2)[0])
		}
	}
	want := "persist send coord start stop log exit"
	if strings.Join(got, " ") != want {
		t.Fatalf("routes: got %q, want %q", strings.Join(got, " "), want)
	}
	if begins := strings.Count(strings.Join(r.log, " "), "begin"); begins != 7 {
		t.Fatalf("Begin calls: got %d, want 7", begins)
	}
}

func start(op core.OpID, port core.Port) core.StartWorker {
	return core.StartWorker{Op: op, Spec: core.WorkerSpec{Topology: "t", Port: port}}
}

func TestPortsHoldEffectsBehindAStartInFlight(t *testing.T) {
	var p Ports
	if a := p.Admit(start(1, 6700)); a != Run {
		t.Fatalf("first start: got %d, want Run", a)
	}
	if a := p.Admit(start(9, 6701)); a != Run {
		t.Fatalf("start on another port: got %d, want Run (ports are independent)", a)
	}
	if a := p.Admit(core.StopWorker{Port: 6701 + 1}); a != Run {
		t.Fatalf("stop on an idle port: got %d, want Run", a)
	}
	held := []core.Effect{core.StopWorker{Port: 6700}, start(2, 6700), core.StopWorker{Port: 6700}}
	for _, e := range held {
		if a := p.Admit(e); a != Held {
			t.Fatalf("%s behind a start: got %d, want Held", e, a)
		}
	}
	got := p.Done(6700)
	if len(got) != 2 || got[0] != held[0] || got[1] != held[1] {
		t.Fatalf("first Done: got %v, want the stop and the next start", got)
	}
	if !p.InFlight(6700) {
		t.Fatalf("after releasing a start: port not in flight, want in flight")
	}
	if got := p.Done(6700); len(got) != 1 || got[0] != held[2] {
		t.Fatalf("second Done: got %v, want the last stop", got)
	}
	if p.InFlight(6700) {
		t.Fatalf("after the last Done: port in flight, want idle")
	}
	if a := p.Admit(core.StopWorker{Port: 6700}); a != Run {
		t.Fatalf("stop after all done: got %d, want Run", a)
	}
}

func TestPortsRefusePastTheBound(t *testing.T) {
	var p Ports
	p.Admit(start(1, 6700))
	for i := range PortHeldMax {
		if a := p.Admit(core.StopWorker{Port: 6700}); a != Held {
			t.Fatalf("held effect %d: got %d, want Held", i, a)
		}
	}
	if a := p.Admit(start(2, 6700)); a != Refused {
		t.Fatalf("past PortHeldMax=%d: got %d, want Refused", PortHeldMax, a)
	}
	p.Forget()
	if p.InFlight(6700) {
		t.Fatalf("after Forget: in flight, want idle")
	}
}
