package protocol

import (
	"bytes"
	"errors"
	"testing"

	"github.com/squall/squall/core"
)

// FuzzDecodeMessage feeds arbitrary bytes to DecodeMessage, the decoder of
// every message that crosses the network between daemons. It must never
// panic; a refusal must wrap ErrBadMessage; and a message it accepts must
// encode to bytes that decode again to the same encoding (one round trip
// reaches the canonical form).
//
//	go test ./core/protocol/ -run '^$' -fuzz FuzzDecodeMessage -fuzztime 30s
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range []Message{
		WorkerHeartbeat{Topology: "wc-1", Port: 6700, Epoch: 3, Metrics: []TaskMetrics{{Task: 1, Component: "split"}}},
		WorkerAssign{Topology: "wc-1", Port: 6700, Epoch: 3, Assigned: true, Tasks: []core.TaskID{1, 2}},
		SupervisorHeartbeat{Supervisor: "s1", Workers: []WorkerStatus{{Topology: "wc-1", Port: 6700, Epoch: 3, Alive: true}}},
		ClientRequest{ID: 9, Op: OpRebalance, Topology: "wc", Workers: 4, Parallelism: map[string]int{"split": 2}},
		ClientReply{ID: 9, NotLeader: true, Leader: "nimbus-2"},
		ArtifactsReady{},
	} {
		f.Add(EncodeMessage(m))
	}
	for _, s := range []string{``, `{`, `{"type":"nope","body":{}}`, `{"type":"worker-heartbeat","body":null}`,
		`{"type":"client-request","body":{"parallelism":{"a":-1}}}`, `{"type":"worker-assign","body":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMessage(data)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("DecodeMessage(%q): got error %v, want one wrapping ErrBadMessage", data, err)
			}
			return
		}
		enc := EncodeMessage(m)
		again, err := DecodeMessage(enc)
		if err != nil {
			t.Fatalf("decoding the re-encoding %q of an accepted message: %v", enc, err)
		}
		if enc2 := EncodeMessage(again); !bytes.Equal(enc2, enc) {
			t.Fatalf("re-encoding is not stable: got %q, want %q", enc2, enc)
		}
	})
}

// FuzzDecodeRecords feeds arbitrary bytes to the znode record decoders:
// whatever a corrupt or hostile znode holds, each returns a record or an
// error wrapping ErrBadRecord, and an accepted record survives a round trip
// through its encoding with its validation intact.
//
//	go test ./core/protocol/ -run '^$' -fuzz FuzzDecodeRecords -fuzztime 30s
func FuzzDecodeRecords(f *testing.F) {
	f.Add(Encode(SupervisorInfo{ID: "s1", Address: "127.0.0.1:6699", Slots: []core.Port{6700}}))
	f.Add(Encode(TopologyRecord{ID: "t-1", Name: "t", Spec: []byte(`{}`), Status: StatusActive,
		Pending: &Pending{Kind: "kill", Wait: 5}}))
	f.Add(Encode(Assignment{Topology: "t", Epoch: 1, Workers: []WorkerAssignment{
		{Supervisor: "a", Port: 1, Tasks: []core.TaskID{1}}, {Supervisor: "a", Port: 2, Tasks: []core.TaskID{2}}}}))
	f.Add([]byte(`{"id":"t","status":"WEIRD"}`))
	f.Add([]byte(`{"topology":"t","workers":[{"supervisor":"b","port":1},{"supervisor":"a","port":2}]}`))
	f.Add([]byte(`{"components":{"split":[{"component":"split","error":"boom","host":"h","port":6700}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRecord(t, "supervisor", data, func(b []byte) (any, error) { return DecodeSupervisor(b) })
		checkRecord(t, "topology", data, func(b []byte) (any, error) { return DecodeTopology(b) })
		checkRecord(t, "assignment", data, func(b []byte) (any, error) { return DecodeAssignment(b) })
		checkRecord(t, "errors", data, func(b []byte) (any, error) { return DecodeErrors(b) })
	})
}

func checkRecord(t *testing.T, kind string, data []byte, decodeFn func([]byte) (any, error)) {
	t.Helper()
	rec, err := decodeFn(data)
	if err != nil {
		if !errors.Is(err, ErrBadRecord) {
			t.Fatalf("%s record %q: got error %v, want one wrapping ErrBadRecord", kind, data, err)
		}
		return
	}
	enc := Encode(rec)
	again, err := decodeFn(enc)
	if err != nil {
		t.Fatalf("%s record: the re-encoding %q of an accepted record is refused: %v", kind, enc, err)
	}
	if enc2 := Encode(again); !bytes.Equal(enc2, enc) {
		t.Fatalf("%s record: re-encoding is not stable: got %q, want %q", kind, enc2, enc)
	}
}
