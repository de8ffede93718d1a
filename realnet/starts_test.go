package realnet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// slowProcs is a Processes whose starts block until released, as a start
// downloading a large artifact does, then report success and, if exit is
// set, the worker's exit through the inbox.
type slowProcs struct {
	entered  chan core.Port // a start began
	release  chan struct{}  // closed: starts may end
	returned chan core.Port // a start handed over its outcome
	exit     func(core.Event)

	mu  sync.Mutex
	log []string
}

func newSlowProcs() *slowProcs {
	return &slowProcs{entered: make(chan core.Port, 128), release: make(chan struct{}),
		returned: make(chan core.Port, 128)}
}

func (p *slowProcs) Start(e core.StartWorker, done func(core.WorkerStarted)) {
	p.add(e.String())
	p.entered <- e.Spec.Port
	<-p.release
	done(core.WorkerStarted{Op: e.Op, Port: e.Spec.Port})
	p.add("returned " + e.String())
	p.returned <- e.Spec.Port
	if p.exit != nil {
		p.exit(core.WorkerExited{Port: e.Spec.Port, Topology: e.Spec.Topology, Reason: "exited with code 0"})
	}
}

func (p *slowProcs) Stop(e core.StopWorker) { p.add(e.String()) }

func (p *slowProcs) add(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, s)
}

func (p *slowProcs) calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitMax):
		t.Fatalf("%s: nothing after %v", what, waitMax)
		var zero T
		return zero
	}
}

// eventsOf reads the machine's events (ticks left out) between steps.
func eventsOf(t *testing.T, d *Driver, m *scripted) []string {
	t.Helper()
	var out []string
	ctx, cancel := context.WithTimeout(context.Background(), waitMax)
	defer cancel()
	if err := d.Do(ctx, func(core.Machine) { out = m.events() }); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitEvent waits until the machine has stepped an event with the prefix.
func waitEvent(t *testing.T, d *Driver, m *scripted, prefix string) []string {
	t.Helper()
	deadline := time.Now().Add(waitMax)
	for {
		evs := eventsOf(t, d, m)
		if slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, prefix) }) {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %q: got events %q after %v", prefix, evs, waitMax)
		}
		time.Sleep(time.Millisecond)
	}
}

func indexOf(evs []string, prefix string) int {
	return slices.IndexFunc(evs, func(e string) bool { return strings.HasPrefix(e, prefix) })
}

// A start that blocks (an artifact download) must not hold the driver: it
// keeps stepping ticks and messages, a stop of the starting port waits for
// the start, and the start's outcome needs no room in a full inbox.
// Before starts ran off the driver's goroutine, Run sat in Start and the
// first wait below timed out.
func TestDriverKeepsSteppingWhileAStartBlocks(t *testing.T) {
	checkNoLeak(t)
	spec := core.WorkerSpec{Topology: "t", Supervisor: "s", Port: 6700, Epoch: 1}
	m := &scripted{scripts: map[string][]core.Effect{
		"go":   {core.StartWorker{Op: 1, Spec: spec}},
		"stop": {core.StopWorker{Port: 6700}},
	}}
	procs := newSlowProcs()
	inbox := NewInbox(2)
	procs.exit = inbox.Deliver
	d := NewDriver(DriverConfig{ID: "s", Machine: m, Inbox: inbox, Procs: procs, Tick: time.Millisecond, Logger: testLogger(t)})
	stop := runDriver(t, d)
	defer stop()

	inbox.Deliver(recv("go"))
	receive(t, procs.entered, "start began")
	ticks := d.Stats().Ticks
	inbox.Deliver(recv("during"))
	inbox.Deliver(recv("stop"))
	waitEvent(t, d, m, `recv from=peer "stop"`)
	for d.Stats().Ticks < ticks+3 {
		time.Sleep(time.Millisecond)
	}
	if got := procs.calls(); len(got) != 1 {
		t.Fatalf("process calls while the start blocks: got %q, want the start alone (the stop waits for it)", got)
	}

	// Hold the driver, fill its inbox, then let the start end: its outcome
	// must be handed over at once, whatever the inbox holds.
	hold, held := make(chan struct{}), make(chan struct{})
	go func() {
		_ = d.Do(context.Background(), func(core.Machine) { close(held); <-hold })
	}()
	<-held
	inbox.Deliver(recv("fill-1"))
	inbox.Deliver(recv("fill-2"))
	if n := inbox.Len(); n != 2 {
		t.Fatalf("inbox: got %d events, want 2 (full)", n)
	}
	close(procs.release)
	receive(t, procs.returned, "start handed over its outcome while the inbox is full")
	close(hold)

	evs := waitEvent(t, d, m, "worker-exited port=6700")
	started, exited := indexOf(evs, "worker-started op=1 port=6700"), indexOf(evs, "worker-exited port=6700")
	if started < 0 || started > exited {
		t.Fatalf("events: got %q, want worker-started op=1 before worker-exited", evs)
	}
	for _, want := range []string{`recv from=peer "during"`, `recv from=peer "fill-1"`, `recv from=peer "fill-2"`} {
		if indexOf(evs, want) < 0 {
			t.Fatalf("events: got %q, want %s among them", evs, want)
		}
	}
	want := []string{"start-worker op=1 t@s:6700/e1", "returned start-worker op=1 t@s:6700/e1", "stop-worker port=6700"}
	deadline := time.Now().Add(waitMax)
	for got := procs.calls(); strings.Join(got, "|") != strings.Join(want, "|"); got = procs.calls() {
		if time.Now().After(deadline) {
			t.Fatalf("process calls: got %q, want %q (the stop after the start)", got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// Past StartsInFlightMax a start is refused at once, as a failed outcome
// the machine steps, while the admitted ones still run.
func TestDriverRefusesStartsPastTheBound(t *testing.T) {
	checkNoLeak(t)
	var effs []core.Effect
	for i := range StartsInFlightMax + 1 {
		effs = append(effs, core.StartWorker{Op: core.OpID(i + 1),
			Spec: core.WorkerSpec{Topology: "t", Supervisor: "s", Port: core.Port(7000 + i), Epoch: 1}})
	}
	m := &scripted{scripts: map[string][]core.Effect{"go": effs}}
	procs := newSlowProcs()
	inbox := NewInbox(1)
	d := NewDriver(DriverConfig{ID: "s", Machine: m, Inbox: inbox, Procs: procs, Tick: time.Hour, Logger: testLogger(t)})
	stop := runDriver(t, d)
	defer stop()
	inbox.Deliver(recv("go"))
	refused := fmt.Sprintf("worker-started op=%d port=%d err=", StartsInFlightMax+1, 7000+StartsInFlightMax)
	evs := waitEvent(t, d, m, refused)
	if n := len(evs); n != 2 {
		t.Fatalf("events while the starts block: got %q, want the recv and the one refusal", evs)
	}
	if got := d.Stats().StartsRefused; got != 1 {
		t.Fatalf("StartsRefused: got %d, want 1", got)
	}
	close(procs.release)
	for range StartsInFlightMax {
		receive(t, procs.returned, "an admitted start ended")
	}
	waitSteps(t, d, 2+StartsInFlightMax)
	if got := len(eventsOf(t, d, m)); got != 2+StartsInFlightMax {
		t.Fatalf("events: got %d, want %d (every admitted start's outcome)", got, 2+StartsInFlightMax)
	}
}
