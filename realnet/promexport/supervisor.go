package promexport

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/supervisor"
)

// SupervisorState is what a supervisor scrape reads from the machine.
type SupervisorState struct {
	Slots      []core.Port             // configured worker ports
	Running    []protocol.WorkerStatus // Machine.Running: started or adopted workers
	Registered bool                    // its ephemeral node exists on its session
	Leader     core.NodeID             // the nimbus leader it heartbeats to ("" unknown)
	Stats      supervisor.Stats
}

// SupervisorSource reads the supervisor machine's state; the daemon runs
// it on the machine's driver (Driver.Do), so it sees a consistent state.
type SupervisorSource func(ctx context.Context) (SupervisorState, error)

// SupervisorCollector is a prometheus.Collector over a supervisor machine.
// It is safe for concurrent scrapes and owns no goroutine.
type SupervisorCollector struct {
	source  SupervisorSource
	timeout time.Duration
	log     *slog.Logger
}

// NewSupervisorCollector returns a collector over source; timeout bounds a
// scrape's wait for the machine (0: ScrapeTimeoutDefault), log may be nil.
func NewSupervisorCollector(source SupervisorSource, timeout time.Duration, log *slog.Logger) *SupervisorCollector {
	if source == nil {
		panic("promexport: a SupervisorSource is required")
	}
	if timeout <= 0 {
		timeout = ScrapeTimeoutDefault
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SupervisorCollector{source: source, timeout: timeout, log: log}
}

var (
	supScrapeSuccess = desc("squall_supervisor_scrape_success",
		"1 when the supervisor machine answered this scrape in time, else 0")
	supRegistered = desc("squall_supervisor_registered",
		"1 while the supervisor's ephemeral node exists in ZooKeeper on its session, else 0")
	supLeaderKnown = desc("squall_supervisor_leader_known",
		"1 when the supervisor knows the nimbus leader it heartbeats to, else 0")
	supSlots   = desc("squall_supervisor_slots", "worker slots this supervisor offers (supervisor.slots.ports)")
	supRunning = desc("squall_supervisor_workers_running",
		"workers this supervisor runs (started or adopted), alive or not")
	supWorkerAlive = desc("squall_supervisor_worker_alive",
		"1 when the worker on the port heartbeated within the worker timeout, 0 when it is silent (it is then restarted)",
		"topology", "port")
)

// supCounter is one supervisor.Stats counter exported as a counter.
type supCounter struct {
	desc *prometheus.Desc
	of   func(supervisor.Stats) int
}

func newSupCounter(name, help string, of func(supervisor.Stats) int) supCounter {
	return supCounter{desc: desc("squall_supervisor_"+name+"_total", help), of: of}
}

// supCounters are the supervisor's counters since it started. A worker
// restart follows each exit, heartbeat timeout or failed start: the
// starts count the restarts with the first starts.
var supCounters = []supCounter{
	newSupCounter("worker_starts", "worker processes started (restarts included)",
		func(s supervisor.Stats) int { return s.Starts }),
	newSupCounter("worker_start_errors", "worker starts that failed", func(s supervisor.Stats) int { return s.StartErrors }),
	newSupCounter("worker_exits", "workers that exited unasked (each is restarted after a backoff)",
		func(s supervisor.Stats) int { return s.Exits }),
	newSupCounter("worker_heartbeat_timeouts", "workers stopped and restarted for silence (supervisor worker timeout)",
		func(s supervisor.Stats) int { return s.HeartbeatTimeouts }),
	newSupCounter("worker_stops", "worker stops asked (unassigned, moved, or silent)", func(s supervisor.Stats) int { return s.Stops }),
	newSupCounter("worker_stop_timeouts", "stops whose exit was never confirmed", func(s supervisor.Stats) int { return s.StopTimeouts }),
	newSupCounter("worker_adoptions", "running workers adopted after a supervisor restart",
		func(s supervisor.Stats) int { return s.Adoptions }),
	newSupCounter("heartbeats", "heartbeats sent to the nimbus leader", func(s supervisor.Stats) int { return s.Heartbeats }),
	newSupCounter("registrations", "ephemeral registrations in ZooKeeper (the first, and one after each session expiry)",
		func(s supervisor.Stats) int { return s.Registrations }),
	newSupCounter("assignment_syncs", "complete reads of the assignments", func(s supervisor.Stats) int { return s.Syncs }),
	newSupCounter("assignment_sync_failures", "assignment reads abandoned (connection loss, too many assignments)",
		func(s supervisor.Stats) int { return s.SyncFailures }),
	newSupCounter("corrupt_assignments", "assignment records that did not decode, skipped",
		func(s supervisor.Stats) int { return s.CorruptAssignments }),
	newSupCounter("corrupt_launch_records", "launched-worker records in the local store that did not decode",
		func(s supervisor.Stats) int { return s.CorruptRecords }),
	newSupCounter("persist_errors", "failed writes to the local store", func(s supervisor.Stats) int { return s.PersistErrors }),
	newSupCounter("bad_messages", "messages that did not decode or came from the wrong sender",
		func(s supervisor.Stats) int { return s.BadMessages }),
}

// Describe sends every descriptor the collector may emit.
func (c *SupervisorCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{supScrapeSuccess, supRegistered, supLeaderKnown, supSlots, supRunning, supWorkerAlive} {
		ch <- d
	}
	for _, sc := range supCounters {
		ch <- sc.desc
	}
}

// Collect reads the machine's state and sends it.
func (c *SupervisorCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	st, err := c.source(ctx)
	if err != nil {
		c.log.Warn("promexport: supervisor scrape failed", "err", err)
		gauge(ch, supScrapeSuccess, 0)
		return
	}
	gauge(ch, supScrapeSuccess, 1)
	emitSupervisor(ch, st)
}

func emitSupervisor(ch chan<- prometheus.Metric, st SupervisorState) {
	gauge(ch, supRegistered, bool01(st.Registered))
	gauge(ch, supLeaderKnown, bool01(st.Leader != ""))
	gauge(ch, supSlots, float64(len(st.Slots)))
	gauge(ch, supRunning, float64(len(st.Running)))
	for _, w := range st.Running {
		gauge(ch, supWorkerAlive, bool01(w.Alive), string(w.Topology), strconv.Itoa(int(w.Port)))
	}
	for _, sc := range supCounters {
		ch <- prometheus.MustNewConstMetric(sc.desc, prometheus.CounterValue, float64(sc.of(st.Stats)))
	}
}
