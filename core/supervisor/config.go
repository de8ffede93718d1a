package supervisor

import (
	"slices"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// Config configures one supervisor.
type Config struct {
	ID       core.SupervisorID
	Host     string
	Address  core.NodeID // where workers and nimbus send to this supervisor
	Slots    []core.Port // the worker ports it offers; at most SlotsMax, distinct
	Capacity protocol.Resources
	Layout   protocol.Layout

	// HeartbeatPeriod is the period of heartbeats to the nimbus leader;
	// default 1s.
	HeartbeatPeriod time.Duration
	// WorkerTimeout: a worker silent for longer is stopped and restarted;
	// default 5s. It must stay shorter than nimbus's worker timeout, so that a
	// hung worker is restarted in place before nimbus moves it (STORM-589).
	WorkerTimeout time.Duration
	// WorkerStartTimeout: a started (or recovered) worker that has not
	// heartbeated within it is stopped and restarted; default 10s.
	WorkerStartTimeout time.Duration
	// StopTimeout bounds the wait for WorkerExited after a StopWorker (a port
	// with no process reports nothing); default 5s.
	StopTimeout time.Duration
	// RestartBackoffMin and RestartBackoffMax bound the delay before a failed
	// worker is started again: Min after the first failure, doubling with each
	// consecutive failure; defaults 500ms and 8s.
	RestartBackoffMin time.Duration
	RestartBackoffMax time.Duration
	// BackoffReset: a worker healthy for this long forgets its earlier
	// failures; default 30s.
	BackoffReset time.Duration
	// SyncPeriod re-reads every assignment even without a watch event, in
	// case one was lost with a session; default 10s.
	SyncPeriod time.Duration
}

// Bounds. Each is a limit on external input or on the machine's own
// bookkeeping; exceeding an internal one is a programmer error.
const (
	// SlotsMax bounds the ports of one supervisor.
	SlotsMax = 64
	// assignmentsMax bounds the assignments read in one round; a listing
	// longer than that is refused whole (counted), keeping what runs.
	assignmentsMax = 4096
	// opsMax bounds the machine's outstanding operations of every kind.
	opsMax = assignmentsMax + 4*SlotsMax + 64
	// registerAttemptsMax bounds create/check/delete cycles of one
	// registration before it waits for registerRetry.
	registerAttemptsMax = 3
	registerRetry       = time.Second
	// syncRetry is the delay before a failed assignment round is retried.
	syncRetry = time.Second
	// staleHeartbeatGrace: heartbeats on a port within this long after its
	// worker ended are taken for messages it sent before it died (read after
	// the exit was reported), not for an orphan to adopt.
	staleHeartbeatGrace = 2 * time.Second
	// failuresMax caps the consecutive-failure count that drives backoff.
	failuresMax = 16
)

func (c Config) withDefaults() Config {
	set := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	set(&c.HeartbeatPeriod, time.Second)
	set(&c.WorkerTimeout, 5*time.Second)
	set(&c.WorkerStartTimeout, 10*time.Second)
	set(&c.StopTimeout, 5*time.Second)
	set(&c.RestartBackoffMin, 500*time.Millisecond)
	set(&c.RestartBackoffMax, 8*time.Second)
	set(&c.BackoffReset, 30*time.Second)
	set(&c.SyncPeriod, 10*time.Second)
	c.Slots = slices.Clone(c.Slots)
	slices.Sort(c.Slots)
	return c
}

// check asserts what a caller must get right: a configuration error is a
// programmer error, not an operating one.
func (c Config) check() {
	core.Assert(c.ID != "" && c.Address != "", "supervisor needs an ID and an Address")
	core.Assert(len(c.Slots) > 0 && len(c.Slots) <= SlotsMax,
		"supervisor %s: %d slots, want 1..%d", c.ID, len(c.Slots), SlotsMax)
	for i := 1; i < len(c.Slots); i++ {
		core.Assert(c.Slots[i-1] != c.Slots[i], "supervisor %s: slot %d twice", c.ID, c.Slots[i])
	}
	core.Assert(c.RestartBackoffMin > 0 && c.RestartBackoffMin <= c.RestartBackoffMax,
		"supervisor %s: backoff %s..%s", c.ID, c.RestartBackoffMin, c.RestartBackoffMax)
	for _, d := range []time.Duration{c.HeartbeatPeriod, c.WorkerTimeout, c.WorkerStartTimeout,
		c.StopTimeout, c.BackoffReset, c.SyncPeriod} {
		core.Assert(d > 0, "supervisor %s: non-positive period %s", c.ID, d)
	}
}

// backoff is the delay before a start after the given number of
// consecutive failures (at least 1).
func (c Config) backoff(failures int) time.Duration {
	d := c.RestartBackoffMin
	for i := 1; i < failures && d < c.RestartBackoffMax; i++ {
		d *= 2
	}
	return min(d, c.RestartBackoffMax)
}

// Stats count what a supervisor did and what it refused, for checkers and
// scenario measures.
type Stats struct {
	Registrations       int // ephemeral registrations made (first and after each expiry)
	StaleRegistrations  int // nodes at our path owned by another session, deleted before re-registering
	RegisterConflicts   int // our node kept by another live session past registerAttemptsMax
	Syncs               int // complete assignment rounds
	SyncFailures        int // rounds abandoned (connection loss, too many assignments)
	CorruptAssignments  int // assignment znodes that did not decode; skipped
	AssignmentConflicts int // a port of ours claimed by two topologies
	ForeignPorts        int // assigned ports that are not among our slots (per read)
	CorruptLeader       int // leader znodes that did not decode
	CorruptRecords      int // launched-worker records that did not decode
	BadMessages         int // messages that did not decode or came from the wrong sender
	StaleHeartbeats     int // heartbeats of a worker that already ended, ignored
	Starts              int // StartWorker effects
	StartErrors         int
	PersistErrors       int
	Stops               int // StopWorker effects
	HeartbeatTimeouts   int // workers stopped for silence
	StopTimeouts        int // stops never confirmed by WorkerExited
	Exits               int // WorkerExited of a worker we ran
	Adoptions           int // running workers adopted through their heartbeats
	Heartbeats          int // heartbeats sent to the nimbus leader
}
