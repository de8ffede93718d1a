package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// The JSON bodies of the API, shared by Server and Client. Field names are
// snake_case like the protocol's records.

// ClusterSummary answers GET /api/v1/cluster/summary.
type ClusterSummary struct {
	Leader      core.NodeID `json:"leader"`
	Supervisors int         `json:"supervisors"`
	Topologies  int         `json:"topologies"`
	SlotsTotal  int         `json:"slots_total"`
	SlotsUsed   int         `json:"slots_used"`
	SlotsFree   int         `json:"slots_free"`
}

// SupervisorList answers GET /api/v1/supervisor/summary.
type SupervisorList struct {
	Supervisors []protocol.SupervisorSummary `json:"supervisors"`
}

// NimbusSummary is one nimbus of GET /api/v1/nimbus/summary.
type NimbusSummary struct {
	Address  core.NodeID `json:"address"` // host:port of its HTTP API
	Status   string      `json:"status"`  // "Leader" or "Not a Leader", as Storm UI says
	Priority int         `json:"priority"`
}

// NimbusList answers GET /api/v1/nimbus/summary. Nimbus reports only the
// leader today; standbys are not listed.
type NimbusList struct {
	Nimbuses []NimbusSummary `json:"nimbuses"`
}

// TopologyList answers GET /api/v1/topology/summary.
type TopologyList struct {
	Topologies []protocol.TopologySummary `json:"topologies"`
}

// Metric windows, named as Storm UI names them.
const (
	WindowLast10m = "600"
	WindowLast3h  = "10800"
	WindowLast1d  = "86400"
	WindowAllTime = ":all-time"
)

// Topology answers GET /api/v1/topology/{id}: the topology's state and its
// counters over one window.
type Topology struct {
	ID         core.TopologyID `json:"id"`
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	Workers    int             `json:"workers"`
	Tasks      int             `json:"tasks"`
	Epoch      uint64          `json:"epoch"`
	Reason     string          `json:"reason,omitempty"`
	Artifact   string          `json:"artifact,omitempty"`
	Window     string          `json:"window"`
	Stats      protocol.Counts `json:"stats"`
	Latency    LatencyMs       `json:"latency_ms"`
	Components []Component     `json:"components"`
}

// LatencyMs are a window's average latencies in milliseconds, weighted by
// the tasks' samples (Stats holds the sums they come from), as Storm UI
// shows them: complete for spouts, execute and process for bolts.
type LatencyMs struct {
	Complete float64 `json:"complete"`
	Execute  float64 `json:"execute"`
	Process  float64 `json:"process"`
}

// NewLatencyMs averages the latencies of c.
func NewLatencyMs(c protocol.Counts) LatencyMs {
	return LatencyMs{Complete: c.CompleteLatency.Ms(), Execute: c.ExecuteLatency.Ms(), Process: c.ProcessLatency.Ms()}
}

// Component answers GET /api/v1/topology/{id}/component/{component}.
type Component struct {
	Topology core.TopologyID `json:"topology"`
	Name     string          `json:"name"`
	Tasks    int             `json:"tasks"` // tasks that reported metrics
	Window   string          `json:"window"`
	Stats    protocol.Counts `json:"stats"`
	Latency  LatencyMs       `json:"latency_ms"`
	// LastError is the newest error's message, "" for none; Errors are
	// the component's last errors (at most protocol.ErrorsPerComponentMax),
	// newest first. Named as Storm UI names them.
	LastError string           `json:"lastError"`
	Errors    []ComponentError `json:"componentErrors"`
}

// ComponentError is one error a component's task reported, as Storm UI's
// componentErrors entries.
type ComponentError struct {
	Error string    `json:"error"`
	Host  string    `json:"errorHost"`
	Port  core.Port `json:"errorPort"`
	// TimeMs is when it was reported, in milliseconds since the Unix epoch
	// as Storm UI gives it (in real mode; virtual in the simulator).
	TimeMs     int64       `json:"errorTime"`
	LapsedSecs int64       `json:"errorLapsedSecs"`
	Task       core.TaskID `json:"errorTask"`
}

// Operation answers the POSTs that change a topology and the submit: the
// topology as nimbus left it.
type Operation struct {
	Operation string                   `json:"operation"`
	Status    string                   `json:"status"` // "success"
	Topology  protocol.TopologySummary `json:"topology"`
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

// RebalanceRequest is the optional body of POST .../rebalance/{wait}.
type RebalanceRequest struct {
	Workers     int            `json:"workers,omitempty"`
	Parallelism map[string]int `json:"parallelism,omitempty"`
}

// ArtifactInfo answers PUT /api/v1/artifact/{sha256}.
type ArtifactInfo struct {
	Artifact  string `json:"artifact"`
	SizeBytes int64  `json:"size_bytes"`
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
