package procs

import (
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/squall/squall/core"
	"github.com/squall/squall/storage"
)

// A supervisor restarts: the new runner holds the ports of the old one's
// workers, stops them on demand, and reports their ends.
func TestAdoptLiveOrphans(t *testing.T) {
	f := newFixture(t)
	f.grace = 300 * time.Millisecond
	old := f.open()
	pids := map[core.Port]int{
		6700: f.start(old, 1, 6700, "sleep"),
		6701: f.start(old, 2, 6701, "sleep"),
		6702: f.start(old, 3, 6702, "ignore-term"),
	}
	f.awaitReady(old, 6702)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	r := f.open()
	if got := r.Running(); !equalPIDs(got, pids) {
		t.Fatalf("got running %v, want the orphans %v", got, pids)
	}
	r.Start(core.StartWorker{Op: 1, Spec: spec(6700, "sleep")}, nil)
	if ev, want := f.await(time.Second), (core.WorkerStarted{Op: 1, Port: 6700, Err: "port in use"}); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}

	r.Stop(core.StopWorker{Port: 6700})
	if ev, want := f.await(2*time.Second), (core.WorkerExited{Port: 6700, Topology: "sleep", Reason: "stopped"}); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
	awaitGone(t, pids[6700])

	// An orphan that dies by itself is noticed by polling.
	begin := time.Now()
	if err := syscall.Kill(pids[6701], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	want := core.WorkerExited{Port: 6701, Topology: "sleep", Reason: "orphan ended, status unknown"}
	if ev := f.await(2 * time.Second); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
	if d, max := time.Since(begin), time.Second; d > max {
		t.Fatalf("got orphan exit reported after %v, want at most %v", d, max)
	}

	begin = time.Now()
	r.Stop(core.StopWorker{Port: 6702})
	if ev, want := f.await(3*time.Second), (core.WorkerExited{Port: 6702, Topology: "ignore-term", Reason: "stopped"}); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
	if d := time.Since(begin); d < f.grace {
		t.Fatalf("got orphan exit %v after Stop, want SIGKILL only after the %v grace", d, f.grace)
	}
	if n := len(r.Running()) + len(records(t, r)); n != 0 {
		t.Fatalf("got %d processes and records left, want 0", n)
	}
	f.start(r, 2, 6700, "sleep") // the port is free again
}

// Only a record that names a live process, by pid, boot and start time, is
// adopted; every other record is deleted and its pid never signalled.
func TestRestoreDropsDeadAndReusedPIDs(t *testing.T) {
	f := newFixture(t)
	live := f.spawn("sleep")
	dead := f.spawn("exit-0")
	if err := dead.Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := readStat(live.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	good := record{PID: live.Process.Pid, Topology: "sleep", BootID: f.boot, StartTicks: st.startTicks}
	at := func(port core.Port, r record) record { r.Port = port; return r }
	reused, otherBoot, gone, misplaced := at(6701, good), at(6702, good), at(6703, good), at(6706, good)
	reused.StartTicks++
	otherBoot.BootID = "another-boot"
	gone.PID = dead.Process.Pid
	misplaced.Port = 6799
	writeRecords(t, f.dir, map[core.Port][]byte{
		6700: at(6700, good).encode(),
		6701: reused.encode(),
		6702: otherBoot.encode(),
		6703: gone.encode(),
		6704: []byte("{"),
		6705: at(6705, record{PID: 0}).encode(),
		6706: misplaced.encode(),
	})

	r := f.open()
	if got, want := r.Running(), map[core.Port]int{6700: good.PID}; !equalPIDs(got, want) {
		t.Fatalf("got running %v, want %v", got, want)
	}
	if got := records(t, r); len(got) != 1 || got[6700].PID != good.PID {
		t.Fatalf("got records %v, want only port 6700", got)
	}
	r.Stop(core.StopWorker{Port: 6701}) // not held: the reused pid is left alone
	f.quiet(200 * time.Millisecond)
	if !alive(good.PID) {
		t.Fatalf("got process %d killed by a Stop on a port whose record named it with another start time", good.PID)
	}
	f.start(r, 1, 6701, "sleep")

	r.Stop(core.StopWorker{Port: 6700})
	if ev, want := f.await(2*time.Second), (core.WorkerExited{Port: 6700, Topology: "sleep", Reason: "stopped"}); ev != want {
		t.Fatalf("got %v, want %v", ev, want)
	}
}

// spawn starts a fake worker outside any runner and reaps it at cleanup. It
// stays in the test's process group, unlike a runner's workers, so a Stop of
// it also exercises the signal to a lone process.
func (f *fixture) spawn(mode string) *execCmd {
	f.t.Helper()
	cmd, _ := fakeCommand(spec(0, mode))
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	f.track(cmd.Process.Pid)
	c := &execCmd{cmd, make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	f.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.done
	})
	return c
}

// execCmd is a spawned process whose Wait result a goroutine collects.
type execCmd struct {
	*exec.Cmd
	done chan error
}

func (c *execCmd) Wait() error {
	err := <-c.done
	c.done <- err // cleanup reads it again
	return err
}

// writeRecords writes raw records into a runner's store, as an earlier
// runner would have.
func writeRecords(t *testing.T, dir string, recs map[core.Port][]byte) {
	t.Helper()
	s, err := storage.Open(vfs.Default, filepath.Join(dir, "db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for port, v := range recs {
		if err := s.Set(recordKey(port), v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func equalPIDs(got, want map[core.Port]int) bool {
	if len(got) != len(want) {
		return false
	}
	for port, pid := range want {
		if got[port] != pid {
			return false
		}
	}
	return true
}
