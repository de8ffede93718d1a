package realnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/storage"
)

// scripted is a machine that logs every event it steps and answers a Recv
// whose payload names a script with that script's effects.
type scripted struct {
	log     []string
	times   []core.Time
	scripts map[string][]core.Effect
	out     []core.Effect
	// onStep, if set, runs at each step (on the driver goroutine).
	onStep func(ev core.Event)
}

func (m *scripted) Step(now core.Time, ev core.Event) {
	m.log = append(m.log, ev.String())
	m.times = append(m.times, now)
	if r, ok := ev.(core.Recv); ok {
		m.out = append(m.out, m.scripts[string(r.Payload)]...)
	}
	if m.onStep != nil {
		m.onStep(ev)
	}
}

func (m *scripted) Ready() []core.Effect {
	out := m.out
	m.out = nil
	return out
}

// events returns the machine's log without ticks.
func (m *scripted) events() []string {
	var out []string
	for _, e := range m.log {
		if e != "tick" {
			out = append(out, e)
		}
	}
	return out
}

// netCheck is a Sender that records each send together with what the store
// holds at that moment, to show that a Persist was durable before it.
type netCheck struct {
	store *storage.Store
	mu    sync.Mutex
	sends []string
	err   error
}

func (n *netCheck) Send(e core.Send) error {
	v, ok, err := n.store.Get([]byte("k"))
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sends = append(n.sends, fmt.Sprintf("%s k=%s,%v,%v", e.Payload, v, ok, err))
	return n.err
}

func openStore(t *testing.T) *storage.Store {
	t.Helper()
	s, err := storage.Open(storage.NewDisk().FS(), "/db", storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func recv(payload string) core.Recv { return core.Recv{From: "peer", Payload: []byte(payload)} }

// runDriver runs d until fn is done with it, then cancels and waits.
func runDriver(t *testing.T, d *Driver) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(waitMax):
			t.Fatalf("Run did not return within %v of its context's end", waitMax)
			return nil
		}
	}
}

func TestDriverPersistsBeforeLaterEffectsAndDeliversPersisted(t *testing.T) {
	checkNoLeak(t)
	store := openStore(t)
	if err := store.Set([]byte("a"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	m := &scripted{scripts: map[string][]core.Effect{
		"go": {
			core.Send{To: "p", Payload: []byte("before")},
			core.Persist{Op: 1, Key: []byte("k"), Value: []byte("v")},
			core.Send{To: "p", Payload: []byte("after-set")},
			core.Persist{Op: 2, Key: []byte("k")},
			core.Send{To: "p", Payload: []byte("after-delete")},
		},
	}}
	net := &netCheck{store: store}
	inbox := NewInbox(8)
	// Both queued before Run: the Persisted events must still come before "later".
	inbox.Deliver(recv("go"))
	inbox.Deliver(recv("later"))
	d := NewDriver(DriverConfig{ID: "n1", Machine: m, Inbox: inbox, Net: net, Store: store, Tick: time.Hour, Logger: testLogger(t)})
	stop := runDriver(t, d)
	waitSteps(t, d, 5)
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: got %v, want context.Canceled", err)
	}
	wantEvents := []string{`restored "a"="1"`, `recv from=peer "go"`, "persisted op=1", "persisted op=2", `recv from=peer "later"`}
	if got := m.events(); strings.Join(got, "|") != strings.Join(wantEvents, "|") {
		t.Fatalf("events: got %q, want %q", got, wantEvents)
	}
	wantSends := []string{"before k=,false,<nil>", "after-set k=v,true,<nil>", "after-delete k=,false,<nil>"}
	if strings.Join(net.sends, "|") != strings.Join(wantSends, "|") {
		t.Fatalf("sends: got %q, want %q", net.sends, wantSends)
	}
	if s := d.Stats(); s.Steps != 5 || s.Effects != 5 || s.InboxEvents != 2 {
		t.Fatalf("stats: got %+v, want 5 steps, 5 effects, 2 inbox events", s)
	}
}

func waitSteps(t *testing.T, d *Driver, n uint64) {
	t.Helper()
	deadline := time.Now().Add(waitMax)
	for d.Stats().Steps < n {
		if time.Now().After(deadline) {
			t.Fatalf("steps: got %d after %v, want %d", d.Stats().Steps, waitMax, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDriverPersistFailureIsReported(t *testing.T) {
	checkNoLeak(t)
	store := openStore(t)
	m := &scripted{scripts: map[string][]core.Effect{
		"go": {core.Persist{Op: 7, Key: nil, Value: []byte("v")}}, // an empty key: the store refuses it
	}}
	inbox := NewInbox(8)
	inbox.Deliver(recv("go"))
	d := NewDriver(DriverConfig{ID: "n1", Machine: m, Inbox: inbox, Store: store, Tick: time.Hour, Logger: quietLogger()})
	stop := runDriver(t, d)
	waitSteps(t, d, 3)
	_ = stop()
	got := m.events()
	if len(got) != 3 || !strings.HasPrefix(got[2], "persisted op=7 err=") {
		t.Fatalf("events: got %q, want restored, recv, then persisted op=7 with an error", got)
	}
	if s := d.Stats(); s.PersistErrors != 1 {
		t.Fatalf("persist errors: got %d, want 1", s.PersistErrors)
	}
}

func TestDriverExitEndsRun(t *testing.T) {
	checkNoLeak(t)
	m := &scripted{scripts: map[string][]core.Effect{
		"bye": {core.Exit{Reason: "unassigned"}, core.Send{To: "p", Payload: []byte("never")}},
	}}
	net := &netCheck{store: openStore(t)}
	inbox := NewInbox(4)
	var reason string
	d := NewDriver(DriverConfig{ID: "w1", Machine: m, Inbox: inbox, Net: net, Tick: time.Hour,
		OnExit: func(r string) { reason = r }, Logger: quietLogger()})
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background()) }()
	inbox.Deliver(recv("bye"))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after Exit: got %v, want nil", err)
		}
	case <-time.After(waitMax):
		t.Fatalf("Run still running %v after Exit", waitMax)
	}
	if reason != "unassigned" || len(net.sends) != 0 {
		t.Fatalf("got reason %q and sends %q, want unassigned and no send after the Exit", reason, net.sends)
	}
	if err := d.Do(context.Background(), func(core.Machine) {}); !errors.Is(err, ErrStopped) {
		t.Fatalf("Do after Run: got %v, want ErrStopped", err)
	}
	// The inbox is closed: a producer never blocks on it again.
	for range 10 {
		inbox.Deliver(recv("late"))
	}
}

func TestDriverNilExecutorPanics(t *testing.T) {
	checkNoLeak(t)
	tests := []struct {
		effect core.Effect
		want   string
	}{
		{core.Coord{Op: 1, Req: core.Exists{Path: "/x"}}, "no Coord"},
		{core.Send{To: "p"}, "no Net"},
		{core.Persist{Op: 1, Key: []byte("k")}, "no Store"},
		{core.StartWorker{Op: 1}, "no Procs"},
		{core.StopWorker{Port: 1}, "no Procs"},
	}
	for _, tt := range tests {
		m := &scripted{scripts: map[string][]core.Effect{"go": {tt.effect}}}
		inbox := NewInbox(1)
		inbox.Deliver(recv("go"))
		d := NewDriver(DriverConfig{ID: "n1", Machine: m, Inbox: inbox, Tick: time.Hour, Logger: quietLogger()})
		got := func() (msg string) {
			defer func() { msg = fmt.Sprint(recover()) }()
			_ = d.Run(context.Background())
			return "no panic"
		}()
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s without its executor: got %q, want a panic saying %q", tt.effect, got, tt.want)
		}
	}
}

// procsLog records the process effects it is given and reports every start
// a success. Starts run off the driver's goroutine, hence the lock.
type procsLog struct {
	mu  sync.Mutex
	got []string
}

func (p *procsLog) Start(e core.StartWorker, done func(core.WorkerStarted)) {
	p.add(e.String())
	done(core.WorkerStarted{Op: e.Op, Port: e.Spec.Port})
}
func (p *procsLog) Stop(e core.StopWorker) { p.add(e.String()) }

func (p *procsLog) add(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, s)
}

func (p *procsLog) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.got...)
}

type coordLog struct{ got []string }

func (c *coordLog) Submit(e core.Coord) { c.got = append(c.got, e.String()) }

func TestDriverExecutesEffectsInOrder(t *testing.T) {
	checkNoLeak(t)
	spec := core.WorkerSpec{Topology: "t", Supervisor: "s", Port: 6700, Epoch: 1}
	m := &scripted{scripts: map[string][]core.Effect{"go": {
		core.Coord{Op: 1, Req: core.Exists{Path: "/x"}}, core.StartWorker{Op: 2, Spec: spec}, core.StopWorker{Port: 6701},
	}}}
	procs, coord := &procsLog{}, &coordLog{}
	inbox := NewInbox(1)
	d := NewDriver(DriverConfig{ID: "s", Machine: m, Inbox: inbox, Procs: procs, Coord: coord, Tick: time.Hour, Logger: quietLogger()})
	stop := runDriver(t, d)
	inbox.Deliver(recv("go"))
	waitSteps(t, d, 2) // the recv, then the start's outcome
	// Do runs between steps, so once it returns the effects of "go" ran.
	var log []string
	if err := d.Do(context.Background(), func(core.Machine) { log = append(log, m.events()...) }); err != nil {
		t.Fatal(err)
	}
	_ = stop()
	if len(coord.got) != 1 || !strings.HasPrefix(coord.got[0], "coord op=1") {
		t.Fatalf("coord: got %q, want coord op=1", coord.got)
	}
	// The start runs on a goroutine of its own; the stop, of another port,
	// at once: their relative order is not fixed.
	got := procs.log()
	slices.Sort(got)
	want := []string{"start-worker op=2 t@s:6700/e1", "stop-worker port=6701"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("procs: got %q, want %q", got, want)
	}
	wantLog := []string{`recv from=peer "go"`, "worker-started op=2 port=6700"}
	if strings.Join(log, "|") != strings.Join(wantLog, "|") {
		t.Fatalf("events seen by Do: got %q, want %q", log, wantLog)
	}
}

func TestDriverTicksWithMonotonicTime(t *testing.T) {
	checkNoLeak(t)
	m := &scripted{}
	// A clock that jumps back: the machine must never see time decrease.
	var mu sync.Mutex
	clock := []core.Time{100, 50, 200, 10, 300}
	now := func() core.Time {
		mu.Lock()
		defer mu.Unlock()
		v := clock[0]
		if len(clock) > 1 {
			clock = clock[1:]
		}
		return v
	}
	d := NewDriver(DriverConfig{ID: "n", Machine: m, Inbox: NewInbox(1), Tick: time.Millisecond, Now: now, Logger: quietLogger()})
	stop := runDriver(t, d)
	waitSteps(t, d, 5)
	var times []core.Time
	if err := d.Do(context.Background(), func(core.Machine) { times = append(times, m.times[:5]...) }); err != nil {
		t.Fatal(err)
	}
	_ = stop()
	want := []core.Time{100, 100, 200, 200, 300}
	if fmt.Sprint(times) != fmt.Sprint(want) {
		t.Fatalf("times: got %v, want %v", times, want)
	}
	if s := d.Stats(); s.Ticks < 5 {
		t.Fatalf("ticks: got %d, want at least 5", s.Ticks)
	}
}

func TestDriverCountsSendErrors(t *testing.T) {
	checkNoLeak(t)
	m := &scripted{scripts: map[string][]core.Effect{"go": {
		core.Send{To: "p", Payload: []byte("1")}, core.Send{To: "p", Payload: []byte("2")},
	}}}
	net := &netCheck{store: openStore(t), err: fmt.Errorf("test: %w", ErrBackpressure)}
	inbox := NewInbox(2)
	inbox.Deliver(recv("go"))
	d := NewDriver(DriverConfig{ID: "n", Machine: m, Inbox: inbox, Net: net, Tick: time.Hour, Logger: quietLogger()})
	stop := runDriver(t, d)
	waitSteps(t, d, 1)
	if err := d.Do(context.Background(), func(core.Machine) {}); err != nil {
		t.Fatal(err)
	}
	_ = stop()
	if s := d.Stats(); s.SendErrors != 2 || s.Backpressured != 2 {
		t.Fatalf("stats: got %+v, want 2 send errors, both backpressure", s)
	}
}

func TestInboxBlocksWhenFull(t *testing.T) {
	checkNoLeak(t)
	in := NewInbox(2)
	in.Deliver(core.Tick{})
	if !in.TryDeliver(core.Tick{}) || in.TryDeliver(core.Tick{}) {
		t.Fatalf("TryDeliver: want room for exactly 2 events")
	}
	delivered := make(chan struct{})
	go func() {
		in.Deliver(core.Tick{})
		close(delivered)
	}()
	select {
	case <-delivered:
		t.Fatal("Deliver to a full inbox returned, want it blocked")
	case <-time.After(20 * time.Millisecond):
	}
	<-in.ch // the driver takes one: the producer goes on
	select {
	case <-delivered:
	case <-time.After(waitMax):
		t.Fatal("Deliver still blocked after room was made")
	}
	if in.Len() != 2 {
		t.Fatalf("len: got %d, want 2", in.Len())
	}
	in.Close()
	in.Deliver(core.Tick{}) // full and closed: returns at once
	if in.TryDeliver(core.Tick{}) {
		t.Fatal("TryDeliver after Close: got true, want false")
	}
}

// Do may step the machine; the effects that causes run right after fn.
func TestDriverDoExecutesEffectsOfFn(t *testing.T) {
	checkNoLeak(t)
	m := &scripted{scripts: map[string][]core.Effect{"go": {core.Send{To: "p", Payload: []byte("from-do")}}}}
	net := &netCheck{store: openStore(t)}
	d := NewDriver(DriverConfig{ID: "n", Machine: m, Inbox: NewInbox(1), Net: net, Tick: time.Hour, Logger: quietLogger()})
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	if err := d.Do(ctx, func(core.Machine) {}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do before Run: got %v, want DeadlineExceeded", err)
	}
	cancel()
	stop := runDriver(t, d)
	if err := d.Do(context.Background(), func(mm core.Machine) { mm.Step(0, recv("go")) }); err != nil {
		t.Fatal(err)
	}
	sends := append([]string(nil), net.sends...) // Do returned: the effects ran
	_ = stop()
	if len(sends) != 1 || !strings.HasPrefix(sends[0], "from-do") {
		t.Fatalf("sends: got %q, want the one from Do", sends)
	}
}

// TestDriverWritesLogsWithSlog: a machine's Log effect becomes one slog
// record at its level, with the machine's attributes after the driver's
// node; one below the handler's level is not written.
func TestDriverWritesLogsWithSlog(t *testing.T) {
	checkNoLeak(t)
	m := &scripted{scripts: map[string][]core.Effect{"go": {
		core.NewLog(core.LogInfo, "nimbus: leading", "topologies", "2", "supervisors", "3"),
		core.NewLog(core.LogDebug, "nimbus: quiet"),
		core.NewLog(core.LogWarn, "nimbus: refused", "error", "topology wc is rebalancing"),
	}}}
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // the wall clock: not comparable
			}
			return a
		}}))
	inbox := NewInbox(1)
	d := NewDriver(DriverConfig{ID: "nimbus-1", Machine: m, Inbox: inbox, Tick: time.Hour, Logger: logger})
	stop := runDriver(t, d)
	inbox.Deliver(recv("go"))
	waitSteps(t, d, 1)
	if err := d.Do(context.Background(), func(core.Machine) {}); err != nil {
		t.Fatal(err)
	}
	_ = stop()
	want := `level=INFO msg="nimbus: leading" node=nimbus-1 supervisors=3 topologies=2` + "\n" +
		`level=WARN msg="nimbus: refused" node=nimbus-1 error="topology wc is rebalancing"` + "\n"
	if got := buf.String(); got != want {
		t.Fatalf("slog output:\ngot  %q\nwant %q", got, want)
	}
}

// syncBuffer is a bytes.Buffer safe for the driver goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
