package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/squall/squall/core"
)

// ErrBadMessage marks a message that cannot be decoded.
var ErrBadMessage = errors.New("protocol: bad message")

// Message is one of the types below; each knows its type tag.
type Message interface{ messageType() string }

// WorkerHeartbeat: worker → its supervisor, every worker heartbeat period.
type WorkerHeartbeat struct {
	Topology core.TopologyID `json:"topology"`
	Port     core.Port       `json:"port"`
	Epoch    uint64          `json:"epoch"` // of the assignment it has taken; 0 before its first WorkerAssign
	Metrics  []TaskMetrics   `json:"metrics,omitempty"`
	// Errors are the newest errors its tasks reported, at most
	// ErrorsPerComponentMax per component and HeartbeatErrorsMax in all.
	// Every heartbeat carries them again, so a lost one loses none.
	Errors []TaskError `json:"errors,omitempty"`
}

// Bounds of error reports.
const (
	// ErrorsPerComponentMax is how many errors nimbus keeps per component,
	// the newest: Storm keeps the last 10.
	ErrorsPerComponentMax = 10
	// HeartbeatErrorsMax bounds the errors one worker heartbeat carries
	// (the newest win), so a worker full of failing tasks cannot flood its
	// supervisor or nimbus.
	HeartbeatErrorsMax = 32
)

// TaskError is one error a task reported (ReportError, or a broken
// collector contract), as Storm's ErrorInfo.
type TaskError struct {
	Component string      `json:"component"`
	Task      core.TaskID `json:"task"`
	Error     string      `json:"error"`
	// TimeNs is the worker's clock at the report: Unix nanoseconds in real
	// mode, virtual time in the simulator.
	TimeNs core.Time `json:"time_ns"`
	// Seq counts the task's errors, so that equal reports stay distinct.
	Seq  uint64    `json:"seq"`
	Host string    `json:"host,omitempty"` // nimbus fills it from the supervisor
	Port core.Port `json:"port"`
	// AgeSecs is how long ago it was reported, by nimbus's clock (status
	// answers only).
	AgeSecs int64 `json:"age_secs,omitempty"`
}

// Counts are a task's counters over one window, with its latencies and
// capacity; summed over tasks, a component's or a topology's.
type Counts struct {
	Emitted     int64 `json:"emitted"`
	Transferred int64 `json:"transferred"`
	Acked       int64 `json:"acked"`
	Failed      int64 `json:"failed"`
	Executed    int64 `json:"executed"`
	// Latencies travel as sums with their sample counts, so that a sum of
	// Counts averages each latency weighted by samples, as Storm's UI does.
	// Complete: a spout's trees, emit to completion; execute: a bolt's
	// Execute calls; process: a bolt's inputs, Execute start to ack.
	CompleteLatency Latency `json:"complete_latency"`
	ExecuteLatency  Latency `json:"execute_latency"`
	ProcessLatency  Latency `json:"process_latency"`
	// Capacity is the fraction of the window a bolt task spent executing
	// (executed × average execute latency / window, cut to its uptime); a
	// sum holds its busiest task's, which is what Storm shows for a
	// component.
	Capacity float64 `json:"capacity"`
}

// Latency is a sum of sampled latencies and the number of samples in it.
type Latency struct {
	Samples  int64 `json:"samples"`
	SumNanos int64 `json:"sum_ns"`
}

// Ms is the average latency in milliseconds, 0 without samples.
func (l Latency) Ms() float64 {
	if l.Samples <= 0 {
		return 0
	}
	return float64(l.SumNanos) / float64(l.Samples) / float64(time.Millisecond)
}

func (l Latency) add(o Latency) Latency {
	return Latency{Samples: l.Samples + o.Samples, SumNanos: l.SumNanos + o.SumNanos}
}

// Add returns the sum of two counts: counters and latency sums add up,
// capacity is the larger.
func (c Counts) Add(o Counts) Counts {
	return Counts{
		Emitted: c.Emitted + o.Emitted, Transferred: c.Transferred + o.Transferred,
		Acked: c.Acked + o.Acked, Failed: c.Failed + o.Failed, Executed: c.Executed + o.Executed,
		CompleteLatency: c.CompleteLatency.add(o.CompleteLatency),
		ExecuteLatency:  c.ExecuteLatency.add(o.ExecuteLatency),
		ProcessLatency:  c.ProcessLatency.add(o.ProcessLatency),
		Capacity:        max(c.Capacity, o.Capacity),
	}
}

// TaskMetrics is one task's counters, as its worker reports them: over the
// last 10 minutes, 3 hours and day, and over all time (Storm UI's "600",
// "10800", "86400" and ":all-time").
type TaskMetrics struct {
	Task      core.TaskID `json:"task"`
	Component string      `json:"component"`
	Last10m   Counts      `json:"last_10m"`
	Last3h    Counts      `json:"last_3h"`
	Last1d    Counts      `json:"last_1d"`
	AllTime   Counts      `json:"all_time"`
}

// Windows are a set of counters over Storm UI's four windows.
type Windows struct {
	Last10m, Last3h, Last1d, AllTime Counts
}

// ComponentSummary aggregates a component's tasks.
type ComponentSummary struct {
	Name    string `json:"name"`
	Tasks   int    `json:"tasks"` // reporting tasks
	Last10m Counts `json:"last_10m"`
	Last3h  Counts `json:"last_3h"`
	Last1d  Counts `json:"last_1d"`
	AllTime Counts `json:"all_time"`
	// Errors are the component's last errors as nimbus keeps them, at most
	// ErrorsPerComponentMax, the newest first (status answers only).
	Errors []TaskError `json:"errors,omitempty"`
	// TaskStats are its reporting tasks' own counters, by task id (status
	// answers only).
	TaskStats []TaskStats `json:"task_stats,omitempty"`
}

// TaskStats is one task's counters and where it runs.
type TaskStats struct {
	Task       core.TaskID       `json:"task"`
	Supervisor core.SupervisorID `json:"supervisor"`
	Host       string            `json:"host"`
	Port       core.Port         `json:"port"`
	// UptimeSecs is how long its worker has held the slot, by nimbus's
	// clock (since this nimbus leads, at most).
	UptimeSecs int64  `json:"uptime_secs"`
	Last10m    Counts `json:"last_10m"`
	Last3h     Counts `json:"last_3h"`
	Last1d     Counts `json:"last_1d"`
	AllTime    Counts `json:"all_time"`
}

// WorkerSummary is one assigned worker of a topology (status answers).
type WorkerSummary struct {
	WorkerAssignment
	// UptimeSecs is how long it has held its slot, by nimbus's clock
	// (since this nimbus leads, at most).
	UptimeSecs int64 `json:"uptime_secs"`
}

// WorkerAssign: supervisor → worker, at start and on every change. A worker
// told Assigned=false shuts down.
type WorkerAssign struct {
	Topology core.TopologyID `json:"topology"`
	Port     core.Port       `json:"port"`
	Epoch    uint64          `json:"epoch"`
	// Incarnation is the assignment's (see Assignment.Incarnation); 0 when
	// unknown. A worker keys its persisted metrics by it, so that a
	// topology submitted again under the same name starts from zero.
	Incarnation int64         `json:"incarnation,omitempty"`
	Assigned    bool          `json:"assigned"`
	Tasks       []core.TaskID `json:"tasks"`
	// Workers is the whole assignment, so the worker can route tuples to
	// the tasks of its peers.
	Workers []WorkerAssignment `json:"workers,omitempty"`
	// Status is the assignment's topology status: the worker's spouts run
	// only while SpoutsActive(Status).
	Status string `json:"status,omitempty"`
}

// WorkerStatus is one worker as its supervisor sees it.
type WorkerStatus struct {
	Topology core.TopologyID `json:"topology"`
	Port     core.Port       `json:"port"`
	Epoch    uint64          `json:"epoch"`
	Alive    bool            `json:"alive"` // heartbeating within the supervisor's worker timeout
	Metrics  []TaskMetrics   `json:"metrics,omitempty"`
	Errors   []TaskError     `json:"errors,omitempty"` // from its last heartbeat
}

// SupervisorHeartbeat: supervisor → nimbus leader, every supervisor heartbeat
// period, with the state of its workers. This is how nimbus learns worker
// health; it never reads heartbeats from ZooKeeper.
type SupervisorHeartbeat struct {
	Supervisor core.SupervisorID `json:"supervisor"`
	Workers    []WorkerStatus    `json:"workers"`
}

// Client operations.
const (
	OpSubmit     = "submit"
	OpKill       = "kill"
	OpActivate   = "activate"
	OpDeactivate = "deactivate"
	OpRebalance  = "rebalance"
	OpList       = "list"
	OpStatus     = "status"
	OpCluster    = "cluster" // the cluster summary: nimbuses, supervisors, slots
)

// ClientRequest: client → any nimbus.
type ClientRequest struct {
	ID       uint64          `json:"id"`
	Op       string          `json:"op"`
	Topology string          `json:"topology,omitempty"` // the topology's name
	Spec     json.RawMessage `json:"spec,omitempty"`     // submit
	Wait     time.Duration   `json:"wait_ns,omitempty"`  // kill, rebalance
	// DefaultWait (kill, rebalance) asks for Storm's default wait instead
	// of Wait: the topology's message timeout, so that what is in flight
	// can complete before the workers stop.
	DefaultWait bool           `json:"default_wait,omitempty"`
	Workers     int            `json:"workers,omitempty"` // rebalance
	Parallelism map[string]int `json:"parallelism,omitempty"`
	// Artifact is the sha256 (hex) of the program that runs the topology's
	// components (submit); the client uploads it to the leader first.
	Artifact string `json:"artifact,omitempty"`
	// Owner is the authenticated user who submits (submit; "" when the API
	// does not authenticate).
	Owner string `json:"owner,omitempty"`
}

// TopologySummary is one line of a list or status answer.
type TopologySummary struct {
	ID      core.TopologyID `json:"id"`
	Name    string          `json:"name"`
	Status  string          `json:"status"`
	Workers int             `json:"workers"`
	Tasks   int             `json:"tasks"`
	Epoch   uint64          `json:"epoch"`
	Reason  string          `json:"reason,omitempty"` // why it is not (fully) scheduled
	// Artifact is the sha256 of the topology's program ("" for none).
	Artifact string `json:"artifact,omitempty"`
	Owner    string `json:"owner,omitempty"` // who submitted it ("" when unknown)
	// UptimeSecs is how long ago it was submitted, by nimbus's clock.
	UptimeSecs int64 `json:"uptime_secs"`
	// Executors sums its components' parallelism, ackers included.
	Executors int `json:"executors"`
	// Requested is what its tasks ask for; Assigned, what its workers got.
	Requested Resources `json:"requested"`
	Assigned  Resources `json:"assigned"`
	// Spec is the topology's JSON spec and WorkerList its assigned workers
	// (status answers only).
	Spec       json.RawMessage `json:"spec,omitempty"`
	WorkerList []WorkerSummary `json:"worker_list,omitempty"`
	// Components and the totals aggregate the metrics workers report
	// through their supervisors' heartbeats (status answers only).
	Components []ComponentSummary `json:"components,omitempty"`
	Last10m    Counts             `json:"last_10m"`
	Last3h     Counts             `json:"last_3h"`
	Last1d     Counts             `json:"last_1d"`
	AllTime    Counts             `json:"all_time"`
}

// ClientReply: nimbus → client. A follower answers NotLeader with the
// leader's id when it knows it.
type ClientReply struct {
	ID         uint64            `json:"id"`
	OK         bool              `json:"ok"`
	Error      string            `json:"error,omitempty"`
	NotLeader  bool              `json:"not_leader,omitempty"`
	Leader     core.NodeID       `json:"leader,omitempty"`
	Topologies []TopologySummary `json:"topologies,omitempty"`
	Cluster    *ClusterSummary   `json:"cluster,omitempty"` // cluster answers only
}

// ClusterSummary is the leader's view of the cluster (Storm UI's cluster,
// supervisor and nimbus summaries).
type ClusterSummary struct {
	Leader      core.NodeID         `json:"leader"`
	Supervisors []SupervisorSummary `json:"supervisors"` // sorted by id
	Topologies  int                 `json:"topologies"`
	Slots       int                 `json:"slots"`
	UsedSlots   int                 `json:"used_slots"`
	Tasks       int                 `json:"tasks"`     // assigned, of every topology
	Executors   int                 `json:"executors"` // of every topology
}

// SupervisorSummary is one registered supervisor.
type SupervisorSummary struct {
	ID        core.SupervisorID `json:"id"`
	Host      string            `json:"host"`
	Address   core.NodeID       `json:"address"`
	Slots     int               `json:"slots"`
	UsedSlots int               `json:"used_slots"`
	Capacity  Resources         `json:"capacity"`
	Used      Resources         `json:"used"`
	// UptimeSecs is how long the leader has seen it registered.
	UptimeSecs int64 `json:"uptime_secs"`
}

// ArtifactsReady: a nimbus's driver → its own nimbus machine (From
// LocalArtifacts). Ready says whether the local artifact store holds the
// program of every active topology; a nimbus configured with
// RequireArtifacts claims leadership only while it does (STORM-1977).
type ArtifactsReady struct {
	Ready bool `json:"ready"`
}

// LocalArtifacts is the sender id of ArtifactsReady messages.
const LocalArtifacts core.NodeID = "local/artifacts"

func (WorkerHeartbeat) messageType() string     { return "worker-heartbeat" }
func (WorkerAssign) messageType() string        { return "worker-assign" }
func (SupervisorHeartbeat) messageType() string { return "supervisor-heartbeat" }
func (ClientRequest) messageType() string       { return "client-request" }
func (ClientReply) messageType() string         { return "client-reply" }
func (ArtifactsReady) messageType() string      { return "artifacts-ready" }

type envelope struct {
	Type string          `json:"type"`
	Body json.RawMessage `json:"body"`
}

// EncodeMessage frames m with its type tag.
func EncodeMessage(m Message) []byte {
	return Encode(envelope{Type: m.messageType(), Body: Encode(m)})
}

// DecodeMessage parses a framed message.
func DecodeMessage(data []byte) (Message, error) {
	var env envelope
	if err := decode(data, &env); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	var m Message
	switch env.Type {
	case "worker-heartbeat":
		m = &WorkerHeartbeat{}
	case "worker-assign":
		m = &WorkerAssign{}
	case "supervisor-heartbeat":
		m = &SupervisorHeartbeat{}
	case "client-request":
		m = &ClientRequest{}
	case "client-reply":
		m = &ClientReply{}
	case "artifacts-ready":
		m = &ArtifactsReady{}
	default:
		return nil, fmt.Errorf("%w: unknown type %q", ErrBadMessage, env.Type)
	}
	if err := decode(env.Body, m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	return derefMessage(m), nil
}

func derefMessage(m Message) Message {
	switch m := m.(type) {
	case *WorkerHeartbeat:
		return *m
	case *WorkerAssign:
		return *m
	case *SupervisorHeartbeat:
		return *m
	case *ClientRequest:
		return *m
	case *ClientReply:
		return *m
	case *ArtifactsReady:
		return *m
	}
	return m
}
