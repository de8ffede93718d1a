package procs

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/squall/squall/core"
	"github.com/squall/squall/storage"
)

// Bounds and periods.
const (
	// PortsMax bounds the worker processes one runner holds at once, children
	// and adopted orphans together; a Start beyond it is refused.
	PortsMax = 256
	// StopGraceDefault is the wait between SIGTERM and SIGKILL when
	// Config.StopGrace is zero. It is shorter than the supervisor's default
	// StopTimeout (5s), so a stopped worker is reported gone before the
	// supervisor gives up waiting.
	StopGraceDefault = 2 * time.Second
	// StopGraceMax bounds Config.StopGrace.
	StopGraceMax = time.Minute
	// OrphanPollPeriod is how often adopted orphans, which are not our
	// children and cannot be waited for, are checked for their end.
	OrphanPollPeriod = 100 * time.Millisecond
	// LogBytesMax: a worker log larger than this when a worker starts on its
	// port is moved to worker-<port>.log.1 (replacing the older one), so each
	// port keeps at most two logs plus what one run writes.
	LogBytesMax = 64 << 20
)

// ErrClosed is the error of a Start after Close.
var ErrClosed = errors.New("procs: runner closed")

var errUnsupported = errors.New("procs: worker processes are supported on linux only")

// Config configures a Runner.
type Config struct {
	// Dir holds the runner's state: its Pebble store (Dir/db) and the worker
	// logs (Dir/logs/worker-<port>.log). A runner restarted on the same Dir
	// adopts the workers of the earlier one that still run.
	Dir string
	// Command builds the command line of a worker, e.g. `ARTIFACT worker
	// --topology T --port P ...`. The runner sets its Stdout and Stderr (the
	// port's log file) and puts it in a process group of its own.
	Command func(spec core.WorkerSpec) (*exec.Cmd, error)
	// StopGrace is the wait between SIGTERM and SIGKILL on Stop; zero means
	// StopGraceDefault.
	StopGrace time.Duration
	// Logger receives the runner's logs; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.StopGrace == 0 {
		c.StopGrace = StopGraceDefault
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.Dir == "":
		return c, errors.New("procs: config: Dir is empty")
	case c.Command == nil:
		return c, errors.New("procs: config: Command is nil")
	case c.StopGrace < 0 || c.StopGrace > StopGraceMax:
		return c, fmt.Errorf("procs: config: StopGrace %v outside (0, %v]", c.StopGrace, StopGraceMax)
	}
	return c, nil
}

// Runner executes a supervisor's StartWorker and StopWorker effects on real
// OS processes and reports WorkerStarted and WorkerExited through its sink.
// It is safe for concurrent use. See the package doc for the model.
type Runner struct {
	cfg    Config
	sink   func(core.Event)
	log    *slog.Logger
	store  *storage.Store
	boot   string // this boot's id; see record.BootID
	logDir string

	// mu guards procs, closed and every store write, so a record and the
	// table never disagree. The sink is never called with mu held.
	mu     sync.Mutex
	procs  map[core.Port]*proc
	closed bool
	done   chan struct{} // closed by Close: the orphan poller ends
}

// proc is one worker process that holds a port.
type proc struct {
	rec record
	// cmd is the child the runner started; nil for an adopted orphan.
	cmd *exec.Cmd
	// reported is closed once WorkerStarted was handed to the sink, so the
	// exit of a child that dies at once is never reported before its start.
	reported chan struct{}
	stopping bool        // Stop signalled it: its exit reads "stopped"
	exited   bool        // its end was seen; its pid may be reused from now on
	kill     *time.Timer // Stop's SIGKILL after the grace; nil before Stop
}

// New opens the runner's state in cfg.Dir and adopts the processes recorded
// there by an earlier runner that still run; records of ended processes are
// deleted (records are keyed by port, so at most one per port: no bound
// beyond the port space is needed). sink receives WorkerStarted and WorkerExited events; it must be
// safe for concurrent use, and it is never called with the runner's lock
// held, so it may block.
func New(cfg Config, sink func(core.Event)) (*Runner, error) {
	if !supported || runtime.GOOS != "linux" {
		return nil, errUnsupported
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	core.Assert(sink != nil, "procs: New with a nil sink")
	boot, err := bootID()
	if err != nil {
		return nil, err
	}
	r := &Runner{cfg: cfg, sink: sink, log: cfg.Logger, boot: boot,
		logDir: filepath.Join(cfg.Dir, "logs"),
		procs:  make(map[core.Port]*proc), done: make(chan struct{})}
	if err := os.MkdirAll(r.logDir, 0o755); err != nil {
		return nil, fmt.Errorf("procs: create log dir: %w", err)
	}
	r.store, err = storage.Open(vfs.Default, filepath.Join(cfg.Dir, "db"), storage.Options{})
	if err != nil {
		return nil, fmt.Errorf("procs: open store: %w", err)
	}
	if err := r.restore(); err != nil {
		_ = r.store.Close() // the restore error says more
		return nil, err
	}
	if len(r.procs) > 0 {
		go r.pollOrphans()
	}
	return r, nil
}

// restore reads the records of an earlier runner: a process that still runs
// is adopted as an orphan, any other record is deleted. Corrupt records are
// logged and deleted: the pid they name cannot be trusted.
func (r *Runner) restore() error {
	var keys [][]byte
	var recs []record
	err := r.store.Scan([]byte(recordPrefix), func(key, value []byte) error {
		rec, err := decodeRecord(key, value)
		if err != nil {
			r.log.Warn("procs: dropping corrupt record", "key", string(key), "err", err)
		}
		keys, recs = append(keys, key), append(recs, rec)
		return nil
	})
	if err != nil {
		return fmt.Errorf("procs: read records: %w", err)
	}
	for i, rec := range recs {
		if rec.PID != 0 && rec.sameProcess(r.boot) {
			r.log.Info("procs: adopted orphan worker", "port", rec.Port, "pid", rec.PID, "topology", rec.Topology)
			r.procs[rec.Port] = &proc{rec: rec}
			continue
		}
		if err := r.store.Delete(keys[i]); err != nil {
			return fmt.Errorf("procs: delete record %s: %w", keys[i], err)
		}
	}
	return nil
}

// Running returns the pid of the process on each held port, children and
// adopted orphans alike.
func (r *Runner) Running() map[core.Port]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[core.Port]int, len(r.procs))
	for port, p := range r.procs {
		out[port] = p.rec.PID
	}
	return out
}

// LogPath is the file a worker on port writes its stdout and stderr to.
func (r *Runner) LogPath(port core.Port) string {
	return filepath.Join(r.logDir, fmt.Sprintf("worker-%d.log", port))
}

// Close stops watching and closes the store. It kills nothing: workers keep
// running as orphans, as Storm's do when their supervisor exits, and the next
// runner on the same Dir adopts them. After Close no new event is decided;
// one already being handed to the sink may still arrive. A goroutine waiting
// for a child outlives Close until the child ends, then reaps it silently; a
// Stop under way still sends its SIGKILL after the grace.
func (r *Runner) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.done)
	r.mu.Unlock()
	// Every store use holds mu and checks closed first, so none follows.
	if err := r.store.Close(); err != nil {
		return fmt.Errorf("procs: close store: %w", err)
	}
	return nil
}

// forget deletes the record of a process that ended, unless the runner is
// closed (then the next runner finds it dead and deletes it). Called with mu.
func (r *Runner) forget(p *proc) {
	if r.closed {
		return
	}
	if r.procs[p.rec.Port] == p {
		delete(r.procs, p.rec.Port)
	}
	if err := r.store.Delete(recordKey(p.rec.Port)); err != nil {
		// A stale record names a dead pid; the next runner drops it.
		r.log.Error("procs: delete record", "port", p.rec.Port, "err", err)
	}
}

// sortedPorts returns the held ports in ascending order.
func (r *Runner) sortedPorts() []core.Port {
	return slices.Sorted(maps.Keys(r.procs))
}
