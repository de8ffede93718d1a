package protocol

import (
	"errors"
	"reflect"
	"testing"

	"github.com/squall/squall/core"
)

func TestMessageRoundTrip(t *testing.T) {
	msgs := []Message{
		WorkerHeartbeat{Topology: "wc-1", Port: 6700, Epoch: 3},
		WorkerAssign{Topology: "wc-1", Port: 6700, Epoch: 3, Assigned: true, Tasks: []core.TaskID{1, 2}},
		SupervisorHeartbeat{Supervisor: "s1", Workers: []WorkerStatus{{Topology: "wc-1", Port: 6700, Epoch: 3, Alive: true}}},
		ClientRequest{ID: 9, Op: OpRebalance, Topology: "wc", Workers: 4, Parallelism: map[string]int{"split": 2}},
		ClientReply{ID: 9, NotLeader: true, Leader: "nimbus-2"},
	}
	for _, m := range msgs {
		got, err := DecodeMessage(EncodeMessage(m))
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("round trip of %#v: got %#v, %v; want the same message", m, got, err)
		}
	}
}

func TestDecodeRejectsBadInput(t *testing.T) {
	bad := []string{``, `{`, `{"type":"nope","body":{}}`, `{"type":"worker-heartbeat","body":{"extra":1}}`,
		`{"type":"worker-heartbeat","body":{"port":"x"}}`, `[]`}
	for _, in := range bad {
		if _, err := DecodeMessage([]byte(in)); !errors.Is(err, ErrBadMessage) {
			t.Errorf("DecodeMessage(%q): got %v, want ErrBadMessage", in, err)
		}
	}
}

// Only ACTIVE (or an assignment from before statuses) runs spouts.
func TestSpoutsActive(t *testing.T) {
	for status, want := range map[string]bool{StatusActive: true, "": true, StatusInactive: false,
		StatusKilled: false, StatusRebalancing: false} {
		if got := SpoutsActive(status); got != want {
			t.Errorf("SpoutsActive(%q): got %v, want %v", status, got, want)
		}
	}
}

func TestDecodeAssignmentValidates(t *testing.T) {
	tests := []struct {
		name string
		a    Assignment
		ok   bool
	}{
		{"sorted", Assignment{Topology: "t", Epoch: 1, Workers: []WorkerAssignment{
			{Supervisor: "a", Port: 1, Tasks: []core.TaskID{1}}, {Supervisor: "a", Port: 2, Tasks: []core.TaskID{2}}}}, true},
		{"unsorted", Assignment{Topology: "t", Workers: []WorkerAssignment{
			{Supervisor: "b", Port: 1}, {Supervisor: "a", Port: 2}}}, false},
		{"duplicate slot", Assignment{Topology: "t", Workers: []WorkerAssignment{
			{Supervisor: "a", Port: 1}, {Supervisor: "a", Port: 1}}}, false},
		{"task twice", Assignment{Topology: "t", Workers: []WorkerAssignment{
			{Supervisor: "a", Port: 1, Tasks: []core.TaskID{1}}, {Supervisor: "a", Port: 2, Tasks: []core.TaskID{1}}}}, false},
		{"inactive", Assignment{Topology: "t", Epoch: 1, Status: StatusInactive}, true},
		{"unknown status", Assignment{Topology: "t", Epoch: 1, Status: "PAUSED"}, false},
	}
	for _, tt := range tests {
		_, err := DecodeAssignment(Encode(tt.a))
		if (err == nil) != tt.ok {
			t.Errorf("%s: got err %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if _, err := DecodeAssignment([]byte("{corrupt")); !errors.Is(err, ErrBadRecord) {
		t.Errorf("corrupt assignment: got %v, want ErrBadRecord", err)
	}
}

func TestDecodeRecordsRejectBadInput(t *testing.T) {
	if _, err := DecodeSupervisor([]byte(`{"id":"s1"}`)); !errors.Is(err, ErrBadRecord) {
		t.Errorf("supervisor without slots: got %v, want ErrBadRecord", err)
	}
	if _, err := DecodeTopology([]byte(`{"id":"t","status":"WEIRD"}`)); !errors.Is(err, ErrBadRecord) {
		t.Errorf("unknown status: got %v, want ErrBadRecord", err)
	}
	rec := TopologyRecord{ID: "t-1", Name: "t", Spec: []byte(`{}`), Status: StatusActive,
		Pending: &Pending{Kind: "kill", Wait: 5}}
	got, err := DecodeTopology(Encode(rec))
	if err != nil || !reflect.DeepEqual(got, rec) {
		t.Errorf("topology round trip: got %#v, %v; want %#v", got, err, rec)
	}
}
