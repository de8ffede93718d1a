//go:build linux

package procs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// supported: the runner reads /proc and calls waitid, both Linux only.
const supported = true

// waitid(2) constants (linux/wait.h); package syscall does not export them.
const (
	waitidPID    = 1          // P_PID: wait for the process with the given pid
	waitidExited = 4          // WEXITED: wait for a process that ended
	waitidNoWait = 0x01000000 // WNOWAIT: leave it waitable (a zombie)
)

// awaitExit blocks until the child pid has ended, without reaping it: the pid
// stays taken by the zombie until cmd.Wait, so the runner can mark the
// process gone, under its lock, before the pid may be reused.
func awaitExit(pid int) error {
	var info [128]byte // siginfo_t, unused
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, waitidPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info[0])), waitidExited|waitidNoWait, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return fmt.Errorf("procs: waitid %d: %w", pid, errno)
		}
		return nil
	}
}

// procStat is what the runner reads of /proc/<pid>/stat.
type procStat struct {
	state      byte   // R, S, D, Z, X, ...
	startTicks uint64 // clock ticks after boot when the process started
}

// dead: a zombie or a process being torn down no longer runs anything.
func (s procStat) dead() bool { return s.state == 'Z' || s.state == 'X' || s.state == 'x' }

// errNoProcess: /proc has no such pid.
var errNoProcess = errors.New("procs: no such process")

// readStat reads /proc/<pid>/stat.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return procStat{}, errNoProcess
	}
	if err != nil {
		return procStat{}, fmt.Errorf("procs: read stat of %d: %w", pid, err)
	}
	return parseStat(b)
}

// statStartField is the index of starttime (field 22 of proc(5)) among the
// fields after the command name, which start with field 3 (state).
const statStartField = 22 - 3

// parseStat parses a /proc/<pid>/stat line. The command name (field 2) is in
// parentheses and may hold spaces and parentheses itself, so the fields that
// follow are found after the last ')'.
func parseStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("procs: malformed stat %q", truncate(b))
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) <= statStartField || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("procs: malformed stat %q", truncate(b))
	}
	ticks, err := strconv.ParseUint(f[statStartField], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("procs: malformed stat start time: %w", err)
	}
	return procStat{state: f[0][0], startTicks: ticks}, nil
}

func truncate(b []byte) []byte {
	const max = 64
	if len(b) > max {
		return b[:max]
	}
	return b
}

// bootID identifies this boot of the kernel: start ticks count from boot, so
// a record from an earlier boot never matches a process of this one.
func bootID() (string, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", fmt.Errorf("procs: read boot id: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
