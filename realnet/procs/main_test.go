package procs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// fakeWorkerEnv makes the test binary, re-executed by a Runner, run
// fakeWorker instead of the tests. Its value is the mode: the topology name.
const fakeWorkerEnv = "SQUALL_PROCS_FAKE_WORKER"

// fakeWorkerLifeMax ends a fake worker a test failed to clean up.
const fakeWorkerLifeMax = 30 * time.Second

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeWorkerEnv); mode != "" {
		os.Exit(fakeWorker(mode))
	}
	os.Exit(m.Run())
}

// fakeWorker modes:
//
//	sleep          print "ready", sleep until killed
//	ignore-term    ignore SIGTERM, print "ready", sleep until SIGKILL
//	exit-N         exit with code N at once
//	kill-self      die by SIGKILL at once
func fakeWorker(mode string) int {
	if mode == "ignore-term" {
		signal.Ignore(syscall.SIGTERM)
	}
	switch {
	case mode == "sleep", mode == "ignore-term":
		fmt.Printf("ready pid=%d\n", os.Getpid())
		time.Sleep(fakeWorkerLifeMax)
		return 0
	case mode == "kill-self":
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(fakeWorkerLifeMax)
		return 0
	case strings.HasPrefix(mode, "exit-"):
		code, err := strconv.Atoi(strings.TrimPrefix(mode, "exit-"))
		if err != nil {
			return 100
		}
		return code
	}
	fmt.Fprintf(os.Stderr, "fake worker: unknown mode %q\n", mode)
	return 101
}

// fakeCommand runs the test binary as a fake worker of mode spec.Topology.
func fakeCommand(spec core.WorkerSpec) (*exec.Cmd, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Under -race a process lingers a second at exit (TSan's atexit_sleep_ms).
	cmd.Env = append(os.Environ(), fakeWorkerEnv+"="+string(spec.Topology), "GORACE=atexit_sleep_ms=0")
	return cmd, nil
}

// fixture is one test's Dir, event log and cleanup of every process started.
type fixture struct {
	t      *testing.T
	dir    string
	events chan core.Event
	grace  time.Duration
	cmd    func(core.WorkerSpec) (*exec.Cmd, error)
	boot   string

	mu   sync.Mutex
	seen []record // every process a test started, killed at cleanup if alive
}

// eventsMax bounds the events a test leaves unread.
const eventsMax = 64

func newFixture(t *testing.T) *fixture {
	t.Helper()
	boot, err := bootID()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: t.TempDir(), events: make(chan core.Event, eventsMax),
		grace: 5 * time.Second, cmd: fakeCommand, boot: boot}
	t.Cleanup(f.killAll)
	return f
}

// open starts a Runner on the fixture's Dir; it is closed at cleanup.
func (f *fixture) open() *Runner {
	f.t.Helper()
	r, err := New(Config{Dir: f.dir, Command: f.cmd, StopGrace: f.grace}, f.sink)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	f.t.Cleanup(func() { _ = r.Close() })
	return r
}

func (f *fixture) sink(ev core.Event) {
	select {
	case f.events <- ev:
	default:
		panic("procs test: event log full")
	}
}

// await returns the next event, failing the test after timeout.
func (f *fixture) await(timeout time.Duration) core.Event {
	f.t.Helper()
	select {
	case ev := <-f.events:
		return ev
	case <-time.After(timeout):
		f.t.Fatalf("no event within %v", timeout)
		return nil
	}
}

// quiet fails the test if an event arrives within d.
func (f *fixture) quiet(d time.Duration) {
	f.t.Helper()
	select {
	case ev := <-f.events:
		f.t.Fatalf("got event %v, want none", ev)
	case <-time.After(d):
	}
}

// start starts a fake worker and returns its pid; it must succeed.
func (f *fixture) start(r *Runner, op core.OpID, port core.Port, mode string) int {
	f.t.Helper()
	r.Start(core.StartWorker{Op: op, Spec: spec(port, mode)}, nil)
	want := core.WorkerStarted{Op: op, Port: port}
	if ev := f.await(time.Second); ev != want {
		f.t.Fatalf("got %v, want %v", ev, want)
	}
	pid := r.Running()[port]
	if pid <= 1 {
		f.t.Fatalf("got pid %d on port %d, want a process", pid, port)
	}
	f.track(pid)
	return pid
}

// track notes a process to kill at cleanup (only if it is still the same
// process then, so a reused pid is safe).
func (f *fixture) track(pid int) {
	st, err := readStat(pid)
	if err != nil {
		return // already gone
	}
	f.mu.Lock()
	f.seen = append(f.seen, record{PID: pid, BootID: f.boot, StartTicks: st.startTicks})
	f.mu.Unlock()
}

func (f *fixture) killAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rec := range f.seen {
		if rec.sameProcess(f.boot) {
			_ = syscall.Kill(-rec.PID, syscall.SIGKILL)
			_ = syscall.Kill(rec.PID, syscall.SIGKILL)
		}
	}
}

// awaitReady waits until the fake worker on port printed "ready": it has
// set up its signal handling.
func (f *fixture) awaitReady(r *Runner, port core.Port) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(r.LogPath(port))
		if err == nil && strings.Contains(string(b), "ready") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.t.Fatalf("worker on port %d never printed ready", port)
}

// alive reports whether the process still runs (a zombie does not).
func alive(pid int) bool {
	st, err := readStat(pid)
	return err == nil && !st.dead()
}

// awaitGone waits until the process no longer runs.
func awaitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func spec(port core.Port, mode string) core.WorkerSpec {
	return core.WorkerSpec{Topology: core.TopologyID(mode), Supervisor: "s1", Port: port, Epoch: 1}
}

// records returns the store's records by port.
func records(t *testing.T, r *Runner) map[core.Port]record {
	t.Helper()
	out := map[core.Port]record{}
	err := r.store.Scan([]byte(recordPrefix), func(k, v []byte) error {
		rec, err := decodeRecord(k, v)
		if err != nil {
			return err
		}
		out[rec.Port] = rec
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var errBuild = errors.New("no artifact")
