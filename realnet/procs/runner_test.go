package procs

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

func TestStartRecordsAndStops(t *testing.T) {
	f := newFixture(t)
	r := f.open()
	pid := f.start(r, 1, 6700, "sleep")
	f.awaitReady(r, 6700) // its stdout went to the port's log

	rec, ok := records(t, r)[6700]
	if !ok || rec.PID != pid || rec.Topology != "sleep" || rec.Epoch != 1 || rec.StartTicks == 0 {
		t.Fatalf("got record %+v (present %v), want pid %d topology sleep epoch 1 with start ticks", rec, ok, pid)
	}
	if b, _ := os.ReadFile(r.LogPath(6700)); !strings.Contains(string(b), "ready pid=") {
		t.Fatalf("got log %q, want the worker's output", b)
	}

	begin := time.Now()
	r.Stop(core.StopWorker{Port: 6700})
	want := core.WorkerExited{Port: 6700, Topology: "sleep", Reason: "stopped"}
	if ev := f.await(2 * time.Second); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
	if d := time.Since(begin); d >= f.grace {
		t.Fatalf("got stop after %v, want SIGTERM to end it before the %v grace", d, f.grace)
	}
	if n := len(r.Running()); n != 0 {
		t.Fatalf("got %d running after stop, want 0", n)
	}
	if n := len(records(t, r)); n != 0 {
		t.Fatalf("got %d records after stop, want 0", n)
	}
	awaitGone(t, pid)
}

func TestExitReportedAtOnce(t *testing.T) {
	const reportMax = time.Second
	for _, tc := range []struct {
		mode, reason string
	}{
		{"exit-0", "exited with code 0"},
		{"exit-3", "exited with code 3"},
		{"kill-self", "killed by signal 9 (killed)"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			f := newFixture(t)
			r := f.open()
			begin := time.Now()
			r.Start(core.StartWorker{Op: 7, Spec: spec(6701, tc.mode)}, nil)
			if ev, want := f.await(time.Second), (core.WorkerStarted{Op: 7, Port: 6701}); ev != want {
				t.Fatalf("got %v, want %v", ev, want)
			}
			want := core.WorkerExited{Port: 6701, Topology: core.TopologyID(tc.mode), Reason: tc.reason}
			if ev := f.await(5 * time.Second); ev != want {
				t.Fatalf("got %v, want %v", ev, want)
			}
			if d := time.Since(begin); d > reportMax {
				t.Fatalf("got exit reported %v after start, want at most %v", d, reportMax)
			}
			if n := len(records(t, r)); n != 0 {
				t.Fatalf("got %d records after exit, want 0", n)
			}
			// The port is free again.
			f.start(r, 8, 6701, "sleep")
		})
	}
}

// A sink slow to take WorkerStarted still gets the exit after it.
func TestExitNeverBeforeStarted(t *testing.T) {
	f := newFixture(t)
	fast := f.sink
	r, err := New(Config{Dir: f.dir, Command: fakeCommand}, func(ev core.Event) {
		if _, ok := ev.(core.WorkerStarted); ok {
			time.Sleep(300 * time.Millisecond) // the worker exits meanwhile
		}
		fast(ev)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go r.Start(core.StartWorker{Op: 1, Spec: spec(6700, "exit-0")}, nil)
	if ev, want := f.await(2*time.Second), (core.WorkerStarted{Op: 1, Port: 6700}); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
	want := core.WorkerExited{Port: 6700, Topology: "exit-0", Reason: "exited with code 0"}
	if ev := f.await(2 * time.Second); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
}

func TestStopKillsAfterGrace(t *testing.T) {
	f := newFixture(t)
	f.grace = 300 * time.Millisecond
	r := f.open()
	pid := f.start(r, 1, 6700, "ignore-term")
	f.awaitReady(r, 6700)

	begin := time.Now()
	r.Stop(core.StopWorker{Port: 6700})
	r.Stop(core.StopWorker{Port: 6700}) // a second Stop changes nothing
	want := core.WorkerExited{Port: 6700, Topology: "ignore-term", Reason: "stopped"}
	if ev := f.await(3 * time.Second); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
	if d := time.Since(begin); d < f.grace {
		t.Fatalf("got exit %v after Stop, want SIGTERM ignored until SIGKILL after %v", d, f.grace)
	}
	awaitGone(t, pid)
	f.quiet(100 * time.Millisecond)
}

func TestStopEmptyPortReportsNothing(t *testing.T) {
	f := newFixture(t)
	r := f.open()
	r.Stop(core.StopWorker{Port: 6700})
	f.quiet(200 * time.Millisecond)
}

func TestStartRefusedOnHeldPort(t *testing.T) {
	f := newFixture(t)
	r := f.open()
	pid := f.start(r, 1, 6700, "sleep")
	r.Start(core.StartWorker{Op: 2, Spec: spec(6700, "sleep")}, nil)
	want := core.WorkerStarted{Op: 2, Port: 6700, Err: "port in use"}
	if ev := f.await(time.Second); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
	if got := r.Running(); len(got) != 1 || got[6700] != pid {
		t.Fatalf("got running %v, want only 6700 → %d", got, pid)
	}
	f.start(r, 3, 6701, "sleep") // another port is free
	if n := len(r.Running()); n != 2 {
		t.Fatalf("got %d running, want 2", n)
	}
}

func TestStartFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cmd     func(core.WorkerSpec) (*exec.Cmd, error)
		wantErr string
	}{
		{"command error", func(core.WorkerSpec) (*exec.Cmd, error) { return nil, errBuild },
			"procs: start worker on port 6700: build command: no artifact"},
		{"nil command", func(core.WorkerSpec) (*exec.Cmd, error) { return nil, nil },
			"procs: start worker on port 6700: build command: the Command func returned a nil *exec.Cmd"},
		{"missing binary", func(core.WorkerSpec) (*exec.Cmd, error) { return exec.Command("/nonexistent/squall"), nil },
			"procs: start worker on port 6700: fork/exec /nonexistent/squall: no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.cmd = tc.cmd
			r := f.open()
			r.Start(core.StartWorker{Op: 1, Spec: spec(6700, "sleep")}, nil)
			want := core.WorkerStarted{Op: 1, Port: 6700, Err: tc.wantErr}
			if ev := f.await(time.Second); ev != want {
				t.Fatalf("got %v, want %v", ev, want)
			}
			if n := len(r.Running()) + len(records(t, r)); n != 0 {
				t.Fatalf("got %d processes and records after a failed start, want 0", n)
			}
		})
	}
}

func TestCloseLeavesWorkersRunning(t *testing.T) {
	f := newFixture(t)
	r := f.open()
	pid := f.start(r, 1, 6700, "sleep")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("got second Close %v, want nil", err)
	}
	r.Start(core.StartWorker{Op: 2, Spec: spec(6701, "sleep")}, nil)
	want := core.WorkerStarted{Op: 2, Port: 6701, Err: ErrClosed.Error()}
	if ev := f.await(time.Second); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
	r.Stop(core.StopWorker{Port: 6700}) // a closed runner kills nothing
	time.Sleep(100 * time.Millisecond)
	if !alive(pid) {
		t.Fatalf("got worker %d dead after Close, want it running as an orphan", pid)
	}
}

func TestConfigErrors(t *testing.T) {
	noop := func(core.Event) {}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no dir", Config{Command: fakeCommand}, "procs: config: Dir is empty"},
		{"no command", Config{Dir: t.TempDir()}, "procs: config: Command is nil"},
		{"negative grace", Config{Dir: t.TempDir(), Command: fakeCommand, StopGrace: -1},
			"procs: config: StopGrace -1ns outside (0, 1m0s]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, noop)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}
}

// A log past LogBytesMax is moved aside when a worker starts on its port.
func TestLogRotatedAtStart(t *testing.T) {
	f := newFixture(t)
	r := f.open()
	path := r.LogPath(6700)
	big, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(LogBytesMax + 1); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	_ = big.Close()
	f.start(r, 1, 6700, "sleep")
	f.awaitReady(r, 6700)
	old, err := os.Stat(path + ".1")
	if err != nil || old.Size() != LogBytesMax+1 {
		t.Fatalf("got old log %v (err %v), want %d bytes moved to .1", old, err, LogBytesMax+1)
	}
	if cur, err := os.Stat(path); err != nil || cur.Size() > 1<<10 {
		t.Fatalf("got current log %v (err %v), want only the new worker's output", cur, err)
	}
}

// BenchmarkStartExit measures a worker's whole life as the supervisor sees
// it: Start (fork, exec, synced record) → WorkerStarted → the worker exits →
// WorkerExited, with the test binary as a worker that exits at once.
func BenchmarkStartExit(b *testing.B) {
	events := make(chan core.Event, 2)
	r, err := New(Config{Dir: b.TempDir(), Command: fakeCommand}, func(ev core.Event) { events <- ev })
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var starting time.Duration // inside Start: fork, exec, synced record
	for i := 0; b.Loop(); i++ {
		begin := time.Now()
		r.Start(core.StartWorker{Op: core.OpID(i + 1), Spec: spec(6700, "exit-0")}, nil)
		starting += time.Since(begin)
		if ev := <-events; ev.(core.WorkerStarted).Err != "" {
			b.Fatal(ev)
		}
		if ev, ok := (<-events).(core.WorkerExited); !ok || ev.Reason != "exited with code 0" {
			b.Fatal(ev)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/worker")
	b.ReportMetric(float64(starting.Microseconds())/float64(b.N)/1000, "start-ms/worker")
}
