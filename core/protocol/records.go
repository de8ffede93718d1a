package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/squall/squall/core"
)

// ErrBadRecord marks a znode whose data cannot be decoded or is invalid.
var ErrBadRecord = errors.New("protocol: bad record")

// Resources is capacity or demand on the four scheduling dimensions.
type Resources struct {
	CPU         core.CPUPercent  `json:"cpu"`
	MemoryMB    core.MemoryMB    `json:"memory_mb"`
	NetworkMbps core.NetworkMbps `json:"network_mbps"`
	DiskMB      core.DiskMB      `json:"disk_mb"`
}

// SupervisorInfo is a supervisor's ephemeral registration.
type SupervisorInfo struct {
	ID       core.SupervisorID `json:"id"`
	Host     string            `json:"host"`
	Address  core.NodeID       `json:"address"` // where nimbus sends to it
	Slots    []core.Port       `json:"slots"`
	Capacity Resources         `json:"capacity"`
}

// Topology statuses, as Storm's.
const (
	StatusActive      = "ACTIVE"
	StatusInactive    = "INACTIVE"
	StatusKilled      = "KILLED"      // kill with wait in progress
	StatusRebalancing = "REBALANCING" // rebalance with wait in progress
	// StatusCorrupt is shown, never stored: the topology's znode exists but
	// its record cannot be read. Only a kill applies to it.
	StatusCorrupt = "CORRUPT"
)

// Pending is a kill or rebalance waiting for its deadline. It lives in the
// topology record, so it survives a nimbus crash (STORM-3516). Because each
// nimbus has its own monotonic clock, the wait is stored as a duration: a new
// leader restarts the full wait from its takeover, which can only make the
// wait longer, never shorter.
type Pending struct {
	Kind        string         `json:"kind"` // "kill" or "rebalance"
	Wait        time.Duration  `json:"wait_ns"`
	Workers     int            `json:"workers,omitempty"`
	Parallelism map[string]int `json:"parallelism,omitempty"`
	Previous    string         `json:"previous_status,omitempty"` // rebalance: status to return to
}

// TopologyRecord is a submitted topology's persistent state.
type TopologyRecord struct {
	ID      core.TopologyID `json:"id"`
	Name    string          `json:"name"`
	Spec    json.RawMessage `json:"spec"` // the topology's versioned JSON spec
	Status  string          `json:"status"`
	Pending *Pending        `json:"pending,omitempty"`
	// Artifact is the sha256 (hex) of the topology's program; "" when the
	// components are built into every worker (the simulator, local mode).
	Artifact string `json:"artifact,omitempty"`
	// Owner is the user who submitted the topology, when the API
	// authenticates its callers ("" otherwise): with role user it may
	// operate only its own topologies.
	Owner string `json:"owner,omitempty"`
	// SubmittedNs is when it was submitted, by the submitting leader's
	// clock (Unix nanoseconds in real mode); 0 in records older than it.
	SubmittedNs core.Time `json:"submitted_ns,omitempty"`
}

// WorkerAssignment is one worker of an assignment.
type WorkerAssignment struct {
	Supervisor core.SupervisorID `json:"supervisor"`
	Host       string            `json:"host"`
	Port       core.Port         `json:"port"`
	Tasks      []core.TaskID     `json:"tasks"`
	Resources  Resources         `json:"resources"`
}

// Assignment is where a topology's tasks run. Epoch starts at 1 and increases
// with every change, so a supervisor or worker can tell a newer assignment
// from an older.
type Assignment struct {
	Topology core.TopologyID    `json:"topology"`
	Epoch    uint64             `json:"epoch"`
	Workers  []WorkerAssignment `json:"workers"` // sorted by (supervisor, port)
	// Status is the topology's status as nimbus last wrote it here: how
	// workers, which never read topology records, learn that their spouts
	// must stop or resume (Storm's workers read it from the topology's
	// base). "" (a record written before the field) counts as ACTIVE.
	Status string `json:"status,omitempty"`
	// Incarnation is the assignment znode's creation zxid, which its reader
	// fills in from the znode's stat; the record does not hold it. The
	// znode is created at a topology's first schedule and deleted only with
	// the topology, so it tells one submission of a name from the next
	// (Squall's topology ids are names): whatever is kept per topology,
	// such as metric windows, is kept per incarnation.
	Incarnation int64 `json:"-"`
}

// SpoutsActive reports whether a topology in status runs its spouts: only
// an ACTIVE one does; INACTIVE, KILLED and REBALANCING deactivate them, as
// in Storm. "" is an assignment that predates statuses: ACTIVE.
func SpoutsActive(status string) bool { return status == StatusActive || status == "" }

// Encode returns v's JSON; records are plain data, so this cannot fail.
func Encode(v any) []byte {
	b, err := json.Marshal(v)
	core.Assert(err == nil, "encode %T: %v", v, err)
	return b
}

// decode strictly decodes one record.
func decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %T: %w", ErrBadRecord, v, err)
	}
	return nil
}

// DecodeSupervisor decodes and validates a supervisor registration.
func DecodeSupervisor(data []byte) (SupervisorInfo, error) {
	var s SupervisorInfo
	if err := decode(data, &s); err != nil {
		return s, err
	}
	if s.ID == "" || s.Address == "" || len(s.Slots) == 0 {
		return s, fmt.Errorf("%w: supervisor needs id, address and slots", ErrBadRecord)
	}
	return s, nil
}

// DecodeTopology decodes and validates a topology record.
func DecodeTopology(data []byte) (TopologyRecord, error) {
	var t TopologyRecord
	if err := decode(data, &t); err != nil {
		return t, err
	}
	switch t.Status {
	case StatusActive, StatusInactive, StatusKilled, StatusRebalancing:
	default:
		return t, fmt.Errorf("%w: topology %q has unknown status %q", ErrBadRecord, t.ID, t.Status)
	}
	if t.Artifact != "" && !ValidDigest(t.Artifact) {
		return t, fmt.Errorf("%w: topology %q has a malformed artifact digest %q", ErrBadRecord, t.ID, t.Artifact)
	}
	if t.ID == "" {
		return t, fmt.Errorf("%w: topology record without id", ErrBadRecord)
	}
	return t, nil
}

// DecodeAssignment decodes and validates an assignment: workers sorted and
// distinct, no task twice.
func DecodeAssignment(data []byte) (Assignment, error) {
	var a Assignment
	if err := decode(data, &a); err != nil {
		return a, err
	}
	switch a.Status {
	case "", StatusActive, StatusInactive, StatusKilled, StatusRebalancing:
	default:
		return a, fmt.Errorf("%w: assignment %q has unknown status %q", ErrBadRecord, a.Topology, a.Status)
	}
	seen := map[core.TaskID]bool{}
	for i, w := range a.Workers {
		if i > 0 && !workerBefore(a.Workers[i-1], w) {
			return a, fmt.Errorf("%w: assignment %q workers not sorted or duplicated at %s:%d",
				ErrBadRecord, a.Topology, w.Supervisor, w.Port)
		}
		for _, t := range w.Tasks {
			if seen[t] {
				return a, fmt.Errorf("%w: assignment %q places task %d twice", ErrBadRecord, a.Topology, t)
			}
			seen[t] = true
		}
	}
	return a, nil
}

func workerBefore(a, b WorkerAssignment) bool {
	if a.Supervisor != b.Supervisor {
		return a.Supervisor < b.Supervisor
	}
	return a.Port < b.Port
}

// SortWorkers puts workers in the order DecodeAssignment requires.
func SortWorkers(ws []WorkerAssignment) {
	slices.SortFunc(ws, func(a, b WorkerAssignment) int {
		switch {
		case workerBefore(a, b):
			return -1
		case workerBefore(b, a):
			return 1
		}
		return 0
	})
}

// WorkersOn returns the assignment's workers on one supervisor.
func (a Assignment) WorkersOn(sup core.SupervisorID) []WorkerAssignment {
	var out []WorkerAssignment
	for _, w := range a.Workers {
		if w.Supervisor == sup {
			out = append(out, w)
		}
	}
	return out
}

// ValidDigest reports whether d is a sha256 digest in lower-case hex.
func ValidDigest(d string) bool {
	if len(d) != 64 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// TopologyName is the name in a topology id of Storm's form
// name-N-<submit time secs> (what nimbus gives a topology at submit); an
// id of another form is its own name (records older than such ids).
func TopologyName(id core.TopologyID) string {
	s := string(id)
	for range 2 {
		i := strings.LastIndexByte(s, '-')
		if i <= 0 || !allDigits(s[i+1:]) {
			return string(id)
		}
		s = s[:i]
	}
	return s
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
