package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// scripted emits the effects queued in script on its next ticks, one batch
// per tick, and records every event it sees.
type scripted struct {
	script [][]core.Effect
	seen   []core.Event
}

func (s *scripted) Step(now core.Time, ev core.Event) {
	if _, ok := ev.(core.Tick); !ok {
		s.seen = append(s.seen, ev)
	}
}

func (s *scripted) Ready() []core.Effect {
	if len(s.script) == 0 {
		return nil
	}
	out := s.script[0]
	s.script = s.script[1:]
	return out
}

type idle struct{ exit bool }

func (i *idle) Step(core.Time, core.Event) {}
func (i *idle) Ready() []core.Effect {
	if i.exit {
		return []core.Effect{core.Exit{Reason: "unassigned"}}
	}
	return nil
}

func TestWorkerProcesses(t *testing.T) {
	w := New(Config{Seed: 1})
	exitOnStart := false
	w.SetWorkerFactory(func(spec core.WorkerSpec, sup core.NodeID, _ *rand.Rand) core.Machine {
		return &idle{exit: exitOnStart}
	})
	spec := core.WorkerSpec{Topology: "t", Supervisor: "s1", Port: 6700, Epoch: 1}
	sup := &scripted{script: [][]core.Effect{
		{core.StartWorker{Op: 1, Spec: spec}},
		{core.StartWorker{Op: 2, Spec: spec}}, // the port is held: refused
		{core.StopWorker{Port: 6700}},
	}}
	w.AddNode(NodeConfig{ID: "s1", New: func(*rand.Rand) core.Machine { return sup }})
	if err := w.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"worker-started op=1 port=6700",
		`worker-started op=2 port=6700 err="port in use"`,
		`worker-exited port=6700 topology=t reason="stopped"`,
	}
	if len(sup.seen) != len(want) {
		t.Fatalf("got events %v, want %v", sup.seen, want)
	}
	for i, ev := range sup.seen {
		if ev.String() != want[i] {
			t.Errorf("event %d: got %q, want %q", i, ev, want[i])
		}
	}
	if p := w.WorkerProcess("s1", 6700); p == nil || p.Up() {
		t.Errorf("got worker process %v, want one that is down after StopWorker", p)
	}

	// A crash of the worker process is reported to its supervisor.
	sup.script = [][]core.Effect{{core.StartWorker{Op: 3, Spec: spec}}}
	w.RunFor(time.Second)
	w.Crash(w.WorkerProcess("s1", 6700))
	exitOnStart = true
	sup.script = [][]core.Effect{{core.StartWorker{Op: 4, Spec: spec}}}
	w.RunFor(time.Second)
	tail := sup.seen[len(want):]
	wantTail := []string{
		"worker-started op=3 port=6700",
		`worker-exited port=6700 topology=t reason="crashed"`,
		"worker-started op=4 port=6700",
		`worker-exited port=6700 topology=t reason="exited: unassigned"`,
	}
	if len(tail) != len(wantTail) {
		t.Fatalf("got events %v, want %v", tail, wantTail)
	}
	for i, ev := range tail {
		if ev.String() != wantTail[i] {
			t.Errorf("event %d: got %q, want %q", i, ev, wantTail[i])
		}
	}
}

// eventStrings prints events.
func eventStrings(evs []core.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.String()
	}
	return out
}

// With start faults set, a start takes its drawn latency while its
// supervisor keeps running, a stop of the port waits for it, a fetch can
// fail, and a supervisor that crashes mid-start loses the start.
func TestWorkerStartLatencyAndFetchFailure(t *testing.T) {
	w := New(Config{Seed: 7})
	w.SetWorkerFactory(func(core.WorkerSpec, core.NodeID, *rand.Rand) core.Machine { return &idle{} })
	w.SetProcessFaults(ProcessFaults{StartLatencyMax: 5 * time.Second})
	spec := core.WorkerSpec{Topology: "t", Supervisor: "s1", Port: 6700, Epoch: 1}
	sup := &scripted{script: [][]core.Effect{
		{core.StartWorker{Op: 1, Spec: spec}, core.StopWorker{Port: 6700}},
	}}
	s1 := w.AddNode(NodeConfig{ID: "s1", New: func(*rand.Rand) core.Machine { return sup }})
	if err := w.RunFor(time.Millisecond * 150); err != nil {
		t.Fatal(err)
	}
	if p := w.WorkerProcess("s1", 6700); p != nil || len(sup.seen) != 0 {
		t.Fatalf("during the latency: got process %v and events %v, want neither", p, eventStrings(sup.seen))
	}
	if !s1.starts.InFlight(6700) {
		t.Fatalf("during the latency: port not in flight, want the start under way")
	}
	if err := w.RunFor(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	want := []string{"worker-started op=1 port=6700", `worker-exited port=6700 topology=t reason="stopped"`}
	if got := eventStrings(sup.seen); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("after the latency: got %q, want %q (the held stop meets the started worker)", got, want)
	}

	// Every fetch fails: the start reports it and starts nothing.
	w.SetProcessFaults(ProcessFaults{StartLatencyMax: time.Second, FetchFailure: 1})
	sup.seen, sup.script = nil, [][]core.Effect{{core.StartWorker{Op: 2, Spec: spec}}}
	if err := w.RunFor(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	wantErr := `worker-started op=2 port=6700 err="` + ErrFetchFailed + `"`
	if got := eventStrings(sup.seen); len(got) != 1 || got[0] != wantErr {
		t.Fatalf("failed fetch: got %q, want [%s]", got, wantErr)
	}
	if p := w.WorkerProcess("s1", 6700); p.Up() {
		t.Fatalf("failed fetch: got a live worker process, want none")
	}

	// A supervisor crashing mid-start takes the start with it.
	w.SetProcessFaults(ProcessFaults{StartLatencyMax: 5 * time.Second})
	sup.seen, sup.script = nil, [][]core.Effect{{core.StartWorker{Op: 3, Spec: spec}}}
	if err := w.RunFor(150 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	w.Crash(s1)
	w.Restart(s1)
	if err := w.RunFor(6 * time.Second); err != nil {
		t.Fatal(err)
	}
	if p := w.WorkerProcess("s1", 6700); p.Up() || len(sup.seen) != 0 || s1.starts.InFlight(6700) {
		t.Fatalf("after a crash mid-start: got worker up=%v, events %q, in flight %v; want none of them",
			p.Up(), eventStrings(sup.seen), s1.starts.InFlight(6700))
	}
}
