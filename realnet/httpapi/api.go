package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/squall/squall/core"
)

// The JSON bodies of the API, shared by Server and Client. Field names and
// shapes follow Storm UI's REST API (apache/storm docs/STORM-UI-REST-API.md):
// camelCase, latencies and capacity as strings of a decimal with three
// places, memory in MB and CPU in percent of a core. Fields Storm does not
// document (epoch, reason, artifact, owner, leader) are Squall's additions;
// documented fields Squall has no data for (log links, profiling) are
// present with empty values, so that Storm's tools find every field.

// StormVersion is the Storm release whose UI REST API this one follows,
// reported as cluster/summary's stormVersion (tools parse it as X.Y.Z).
const StormVersion = "2.6.0"

// ClusterSummary answers GET /api/v1/cluster/summary.
type ClusterSummary struct {
	StormVersion  string      `json:"stormVersion"`
	SquallVersion string      `json:"squallVersion"`
	Leader        core.NodeID `json:"leader"`
	Supervisors   int         `json:"supervisors"`
	Topologies    int         `json:"topologies"`
	SlotsTotal    int         `json:"slotsTotal"`
	SlotsUsed     int         `json:"slotsUsed"`
	SlotsFree     int         `json:"slotsFree"`
	// ExecutorsTotal and TasksTotal count the assigned tasks (a task is
	// its own executor in Squall, as in JStorm).
	ExecutorsTotal           int     `json:"executorsTotal"`
	TasksTotal               int     `json:"tasksTotal"`
	SchedulerDisplayResource bool    `json:"schedulerDisplayResource"`
	TotalMem                 float64 `json:"totalMem"`
	TotalCPU                 float64 `json:"totalCpu"`
	AvailMem                 float64 `json:"availMem"`
	AvailCPU                 float64 `json:"availCpu"`
	MemAssignedPercentUtil   float64 `json:"memAssignedPercentUtil"`
	CPUAssignedPercentUtil   float64 `json:"cpuAssignedPercentUtil"`
}

// SupervisorList answers GET /api/v1/supervisor/summary.
type SupervisorList struct {
	Supervisors              []Supervisor `json:"supervisors"`
	SchedulerDisplayResource bool         `json:"schedulerDisplayResource"`
}

// Supervisor is one registered supervisor. Its uptime is how long the
// leader has seen it registered.
type Supervisor struct {
	ID                       core.SupervisorID `json:"id"`
	Host                     string            `json:"host"`
	Address                  core.NodeID       `json:"address"`
	Uptime                   string            `json:"uptime"`
	UptimeSeconds            int64             `json:"uptimeSeconds"`
	SlotsTotal               int               `json:"slotsTotal"`
	SlotsUsed                int               `json:"slotsUsed"`
	SchedulerDisplayResource bool              `json:"schedulerDisplayResource"`
	TotalMem                 float64           `json:"totalMem"`
	TotalCPU                 float64           `json:"totalCpu"`
	UsedMem                  float64           `json:"usedMem"`
	UsedCPU                  float64           `json:"usedCpu"`
	Version                  string            `json:"version"`
}

// NimbusSummary is one nimbus of GET /api/v1/nimbus/summary.
type NimbusSummary struct {
	Host    string      `json:"host"`
	Port    int         `json:"port"`    // of its HTTP API
	Address core.NodeID `json:"address"` // host:port of its HTTP API
	Status  string      `json:"status"`  // "Leader" or "Not a Leader", as Storm UI says
	// NimbusUpTimeSeconds is a string, as Storm documents it; "" for a
	// nimbus whose start this one does not know.
	NimbusUpTime        string `json:"nimbusUpTime"`
	NimbusUpTimeSeconds string `json:"nimbusUpTimeSeconds"`
	NimbusLogLink       string `json:"nimbusLogLink"`
	Version             string `json:"version"`
	Priority            int    `json:"priority"`
	// StartedUnixSecs is when it started, as it recorded in its election
	// node (0: unknown).
	StartedUnixSecs int64 `json:"startedUnixSecs,omitempty"`
}

// NimbusList answers GET /api/v1/nimbus/summary.
type NimbusList struct {
	Nimbuses []NimbusSummary `json:"nimbuses"`
}

// TopologyList answers GET /api/v1/topology/summary.
type TopologyList struct {
	Topologies               []TopologySummary `json:"topologies"`
	SchedulerDisplayResource bool              `json:"schedulerDisplayResource"`
}

// TopologySummary is one topology of GET /api/v1/topology/summary, and the
// head of GET /api/v1/topology/{id}.
type TopologySummary struct {
	ID            core.TopologyID `json:"id"` // name-N-<submit time, Unix seconds>, as Storm's
	Name          string          `json:"name"`
	Status        string          `json:"status"`
	Uptime        string          `json:"uptime"`
	UptimeSeconds int64           `json:"uptimeSeconds"`
	// TasksTotal and ExecutorsTotal are the assigned tasks; WorkersTotal
	// the assigned workers.
	TasksTotal               int     `json:"tasksTotal"`
	WorkersTotal             int     `json:"workersTotal"`
	ExecutorsTotal           int     `json:"executorsTotal"`
	ReplicationCount         int     `json:"replicationCount"`
	RequestedMemOnHeap       float64 `json:"requestedMemOnHeap"`
	RequestedMemOffHeap      float64 `json:"requestedMemOffHeap"`
	RequestedTotalMem        float64 `json:"requestedTotalMem"`
	RequestedCPU             float64 `json:"requestedCpu"`
	AssignedMemOnHeap        float64 `json:"assignedMemOnHeap"`
	AssignedMemOffHeap       float64 `json:"assignedMemOffHeap"`
	AssignedTotalMem         float64 `json:"assignedTotalMem"`
	AssignedCPU              float64 `json:"assignedCpu"`
	SchedulerDisplayResource bool    `json:"schedulerDisplayResource"`
	// TopologyStats are its counters per window, as the topology page's
	// (Squall adds them to topology/summary too).
	TopologyStats []WindowStats `json:"topologyStats"`
	Owner         string        `json:"owner,omitempty"`
	Epoch         uint64        `json:"epoch"`
	Reason        string        `json:"reason,omitempty"` // why it is not (fully) scheduled
	// Artifact is the sha256 of the topology's program ("" for none).
	Artifact string `json:"artifact,omitempty"`
}

// Metric windows, named as Storm UI names them.
const (
	WindowLast10m = "600"
	WindowLast3h  = "10800"
	WindowLast1d  = "86400"
	WindowAllTime = ":all-time"
)

// Topology answers GET /api/v1/topology/{id}: the topology's state, its
// counters over every window (TopologyStats) and its components' and
// workers' over the window asked for (Window).
type Topology struct {
	TopologySummary
	MsgTimeout    int            `json:"msgTimeout"` // seconds
	Window        string         `json:"window"`
	WindowHint    string         `json:"windowHint"`
	Debug         bool           `json:"debug"`
	SamplingPct   float64        `json:"samplingPct"`
	Spouts        []Spout        `json:"spouts"`
	Bolts         []Bolt         `json:"bolts"`
	Workers       []Worker       `json:"workers"`
	Configuration map[string]any `json:"configuration"`
}

// WindowStats are a topology's or spout's counters over one window.
type WindowStats struct {
	WindowPretty    string `json:"windowPretty"`
	Window          string `json:"window"`
	Emitted         int64  `json:"emitted"`
	Transferred     int64  `json:"transferred"`
	CompleteLatency string `json:"completeLatency"` // ms
	Acked           int64  `json:"acked"`
	Failed          int64  `json:"failed"`
}

// BoltWindowStats are a bolt's counters over one window.
type BoltWindowStats struct {
	WindowPretty   string `json:"windowPretty"`
	Window         string `json:"window"`
	Emitted        int64  `json:"emitted"`
	Transferred    int64  `json:"transferred"`
	Executed       int64  `json:"executed"`
	ExecuteLatency string `json:"executeLatency"` // ms
	ProcessLatency string `json:"processLatency"` // ms
	Capacity       string `json:"capacity"`
	Acked          int64  `json:"acked"`
	Failed         int64  `json:"failed"`
}

// LastError is a component's newest error, flattened into its row as
// Storm UI does; every field is empty (errorPort, errorTime and
// errorLapsedSecs null) when it has none.
type LastError struct {
	LastError          string     `json:"lastError"`
	ErrorHost          string     `json:"errorHost"`
	ErrorPort          *core.Port `json:"errorPort"`
	ErrorTime          *int64     `json:"errorTime"` // Unix seconds
	ErrorLapsedSecs    *int64     `json:"errorLapsedSecs"`
	ErrorWorkerLogLink string     `json:"errorWorkerLogLink"`
	// ErrorTask is the task that reported it (Squall's; null for none).
	ErrorTask *core.TaskID `json:"errorTask"`
}

// Spout is one spout of a topology, over the window asked for.
type Spout struct {
	SpoutID         string `json:"spoutId"`
	EncodedSpoutID  string `json:"encodedSpoutId"`
	Executors       int    `json:"executors"`
	Tasks           int    `json:"tasks"`
	Emitted         int64  `json:"emitted"`
	Transferred     int64  `json:"transferred"`
	CompleteLatency string `json:"completeLatency"` // ms
	Acked           int64  `json:"acked"`
	Failed          int64  `json:"failed"`
	LastError
	RequestedMemOnHeap  float64 `json:"requestedMemOnHeap"`
	RequestedMemOffHeap float64 `json:"requestedMemOffHeap"`
	RequestedCPU        float64 `json:"requestedCpu"`
}

// Bolt is one bolt of a topology, over the window asked for.
type Bolt struct {
	BoltID         string `json:"boltId"`
	EncodedBoltID  string `json:"encodedBoltId"`
	Executors      int    `json:"executors"`
	Tasks          int    `json:"tasks"`
	Emitted        int64  `json:"emitted"`
	Transferred    int64  `json:"transferred"`
	Executed       int64  `json:"executed"`
	ExecuteLatency string `json:"executeLatency"` // ms
	ProcessLatency string `json:"processLatency"` // ms
	Capacity       string `json:"capacity"`
	Acked          int64  `json:"acked"`
	Failed         int64  `json:"failed"`
	LastError
	RequestedMemOnHeap  float64 `json:"requestedMemOnHeap"`
	RequestedMemOffHeap float64 `json:"requestedMemOffHeap"`
	RequestedCPU        float64 `json:"requestedCpu"`
}

// Worker is one assigned worker of a topology. Its uptime is how long the
// leader has heard it heartbeat.
type Worker struct {
	SupervisorID       core.SupervisorID `json:"supervisorId"`
	Host               string            `json:"host"`
	Port               core.Port         `json:"port"`
	TopologyID         core.TopologyID   `json:"topologyId"`
	TopologyName       string            `json:"topologyName"`
	ExecutorsTotal     int               `json:"executorsTotal"`
	AssignedMemOnHeap  float64           `json:"assignedMemOnHeap"`
	AssignedMemOffHeap float64           `json:"assignedMemOffHeap"`
	AssignedCPU        float64           `json:"assignedCpu"`
	ComponentNumTasks  map[string]int    `json:"componentNumTasks"`
	Uptime             string            `json:"uptime"`
	UptimeSeconds      int64             `json:"uptimeSeconds"`
	WorkerLogLink      string            `json:"workerLogLink"`
}

// Component answers GET /api/v1/topology/{id}/component/{component}.
// SpoutSummary is set for spouts and BoltStats for bolts, one entry per
// window; ExecutorStats has one entry per task over the window asked for.
// Squall counts per component, not per stream: InputStats and OutputStats
// hold one row per input component and one for all outputs, under stream
// "*" where the stream is not known.
type Component struct {
	User                         string            `json:"user"`
	ID                           string            `json:"id"`
	EncodedID                    string            `json:"encodedId"`
	Name                         string            `json:"name"` // the topology's
	Executors                    int               `json:"executors"`
	Tasks                        int               `json:"tasks"`
	RequestedMemOnHeap           float64           `json:"requestedMemOnHeap"`
	RequestedMemOffHeap          float64           `json:"requestedMemOffHeap"`
	RequestedCPU                 float64           `json:"requestedCpu"`
	SchedulerDisplayResource     bool              `json:"schedulerDisplayResource"`
	TopologyID                   core.TopologyID   `json:"topologyId"`
	TopologyStatus               string            `json:"topologyStatus"`
	EncodedTopologyID            string            `json:"encodedTopologyId"`
	Window                       string            `json:"window"`
	ComponentType                string            `json:"componentType"` // "spout" or "bolt"
	WindowHint                   string            `json:"windowHint"`
	Debug                        bool              `json:"debug"`
	SamplingPct                  float64           `json:"samplingPct"`
	EventLogLink                 string            `json:"eventLogLink"`
	ProfilingAndDebuggingCapable bool              `json:"profilingAndDebuggingCapable"`
	ProfileActionEnabled         bool              `json:"profileActionEnabled"`
	ProfilerActive               []any             `json:"profilerActive"`
	LastError                    string            `json:"lastError"`
	Errors                       []ComponentError  `json:"componentErrors"` // newest first
	SpoutSummary                 []WindowStats     `json:"spoutSummary,omitempty"`
	BoltStats                    []BoltWindowStats `json:"boltStats,omitempty"`
	InputStats                   []InputStats      `json:"inputStats"`
	OutputStats                  []OutputStats     `json:"outputStats"`
	ExecutorStats                []ExecutorStats   `json:"executorStats"`
}

// InputStats is one input of a bolt.
type InputStats struct {
	Component          string `json:"component"`
	EncodedComponentID string `json:"encodedComponentId"`
	Stream             string `json:"stream"`
	Grouping           string `json:"grouping"`
	ExecuteLatency     string `json:"executeLatency"`
	ProcessLatency     string `json:"processLatency"`
	Executed           int64  `json:"executed"`
	Acked              int64  `json:"acked"`
	Failed             int64  `json:"failed"`
}

// OutputStats is a component's output.
type OutputStats struct {
	Stream          string `json:"stream"`
	Emitted         int64  `json:"emitted"`
	Transferred     int64  `json:"transferred"`
	CompleteLatency string `json:"completeLatency"`
	Acked           int64  `json:"acked"`
	Failed          int64  `json:"failed"`
}

// ExecutorStats is one task of a component (Squall's executor), over the
// window asked for.
type ExecutorStats struct {
	ID              string    `json:"id"` // "[task-task]", as Storm's executor ids
	EncodedID       string    `json:"encodedId"`
	Host            string    `json:"host"`
	Port            core.Port `json:"port"`
	Uptime          string    `json:"uptime"`
	UptimeSeconds   int64     `json:"uptimeSeconds"`
	Emitted         int64     `json:"emitted"`
	Transferred     int64     `json:"transferred"`
	Executed        int64     `json:"executed"`
	CompleteLatency string    `json:"completeLatency"`
	ExecuteLatency  string    `json:"executeLatency"`
	ProcessLatency  string    `json:"processLatency"`
	Capacity        string    `json:"capacity"`
	Acked           int64     `json:"acked"`
	Failed          int64     `json:"failed"`
	WorkerLogLink   string    `json:"workerLogLink"`
}

// ComponentError is one error a component's task reported, as Storm UI's
// componentErrors entries.
type ComponentError struct {
	Error string    `json:"error"`
	Host  string    `json:"errorHost"`
	Port  core.Port `json:"errorPort"`
	// TimeMs is when it was reported, in milliseconds since the Unix epoch
	// as Storm UI gives it (in real mode; virtual in the simulator).
	TimeMs        int64       `json:"errorTime"`
	LapsedSecs    int64       `json:"errorLapsedSecs"`
	Task          core.TaskID `json:"errorTask"`
	WorkerLogLink string      `json:"errorWorkerLogLink"`
}

// Visualization answers GET /api/v1/topology/{id}/visualization: the
// topology's graph, keyed by component id, as Storm UI's visualization
// data (its ":"-prefixed keys).
type Visualization map[string]VisualComponent

// VisualComponent is one node of the graph with its inputs (the edges).
type VisualComponent struct {
	Type        string        `json:":type"` // "spout" or "bolt"
	Capacity    float64       `json:":capacity"`
	Latency     float64       `json:":latency"` // ms: complete for spouts, process for bolts
	Transferred int64         `json:":transferred"`
	Stats       []VisualStats `json:":stats"`
	Link        string        `json:":link"`
	Inputs      []VisualInput `json:":inputs"`
}

// VisualStats is one worker's share of a component.
type VisualStats struct {
	Host        string    `json:":host"`
	Port        core.Port `json:":port"`
	UptimeSecs  int64     `json:":uptime_secs"`
	Transferred int64     `json:":transferred"`
}

// VisualInput is one edge into a component.
type VisualInput struct {
	Component  string `json:":component"`
	Stream     string `json:":stream"`
	SaniStream string `json:":sani-stream"`
	Grouping   string `json:":grouping"`
}

// Operation answers the POSTs that change a topology and the submit, as
// Storm UI's {"topologyOperation","topologyId","status"}, with the
// topology as nimbus left it.
type Operation struct {
	Operation  string          `json:"topologyOperation"`
	TopologyID core.TopologyID `json:"topologyId"`
	Status     string          `json:"status"` // "success"
	Topology   TopologySummary `json:"topology"`
}

// SubmitRequest is the body of POST /api/v1/topology.
type SubmitRequest struct {
	Name string          `json:"name"`
	Spec json.RawMessage `json:"spec"` // the topology's JSON spec
	// Artifact is the sha256 of the topology's program, uploaded to this
	// nimbus first with PUT /api/v1/artifact/{sha256}; empty when the
	// components are built into every worker.
	Artifact string `json:"artifact,omitempty"`
}

// RebalanceRequest is the optional body of POST .../rebalance/{wait}:
// Storm UI's {"rebalanceOptions": {"numWorkers": N, "executors": {"c": N}},
// "callback": ...} (executor counts may be strings, as Storm accepts), or
// Squall's {"workers": N, "parallelism": {"c": N}}.
type RebalanceRequest struct {
	Workers     int               `json:"workers,omitempty"`
	Parallelism map[string]int    `json:"parallelism,omitempty"`
	Options     *RebalanceOptions `json:"rebalanceOptions,omitempty"`
	Callback    json.RawMessage   `json:"callback,omitempty"` // accepted and ignored (JSONP)
}

// RebalanceOptions are Storm UI's rebalance options.
type RebalanceOptions struct {
	NumWorkers int                `json:"numWorkers,omitempty"`
	Executors  map[string]FlexInt `json:"executors,omitempty"`
}

// FlexInt is an integer that may arrive as a JSON number or a string of
// one ("5"), as Storm's rebalance executors do.
type FlexInt int

// UnmarshalJSON reads a number or a string of one.
func (n *FlexInt) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		b = []byte(s)
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("httpapi: %s is not an integer", b)
	}
	*n = FlexInt(v)
	return nil
}

// ArtifactInfo answers PUT /api/v1/artifact/{sha256}.
type ArtifactInfo struct {
	Artifact  string `json:"artifact"`
	SizeBytes int64  `json:"sizeBytes"`
	Created   bool   `json:"created"` // false: the nimbus already had it
}

// Error codes for refusals a client acts on.
const (
	// CodeArtifactMissing: a submit names an artifact the leader does not
	// hold; upload it to the leader and submit again.
	CodeArtifactMissing = "artifact_missing"
	// CodeNotLeader: the nimbus is not the leader (307 to the leader, or
	// 503 when no leader is known).
	CodeNotLeader = "not_leader"
)

// ErrorBody is every error answer.
type ErrorBody struct {
	Error  string      `json:"error"`
	Code   string      `json:"code,omitempty"`
	Leader core.NodeID `json:"leader,omitempty"`
}

// Error is a refusal from the server, as the client returns it.
type Error struct {
	Status  int    // HTTP status
	Message string // the server's message
	Code    string // one of the Code constants, or ""
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d %s)", e.Message, e.Status, http.StatusText(e.Status))
}
