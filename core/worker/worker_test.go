package worker

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

var spec = core.WorkerSpec{Topology: "wc", Supervisor: "s1", Port: 6700, Epoch: 3}

type step struct {
	at   time.Duration
	ev   core.Event
	want []string // effects, messages decoded
}

func assign(epoch uint64, assigned bool, tasks ...core.TaskID) core.Event {
	return fromSup(protocol.WorkerAssign{Topology: "wc", Port: 6700, Epoch: epoch, Assigned: assigned, Tasks: tasks})
}

func fromSup(m protocol.Message) core.Event {
	return core.Recv{From: "s1", Payload: protocol.EncodeMessage(m)}
}

func hb(epoch uint64) string {
	return fmt.Sprintf("send to=s1 protocol.WorkerHeartbeat{Topology:wc Port:6700 Epoch:%d Metrics:[] Errors:[]}", epoch)
}

func TestWorker(t *testing.T) {
	tests := []struct {
		name       string
		steps      []step
		wantTasks  []core.TaskID
		wantEpoch  uint64
		wantStats  Stats
		wantExited bool
	}{
		{
			name: "heartbeats at once, then every period",
			steps: []step{
				{0, core.Tick{}, []string{hb(0)}},
				{500 * time.Millisecond, core.Tick{}, nil},
				{time.Second, core.Tick{}, []string{hb(0)}},
				{1500 * time.Millisecond, core.Tick{}, nil},
				{2100 * time.Millisecond, core.Tick{}, []string{hb(0)}},
			},
		},
		{
			name: "takes its assignment; newest epoch wins, older ignored",
			steps: []step{
				{0, assign(3, true, 2, 1), []string{hb(0)}},
				{time.Second, core.Tick{}, []string{hb(3)}},
				{time.Second, assign(5, true, 4), nil},
				{time.Second, assign(4, true, 9), nil},
				{2 * time.Second, core.Tick{}, []string{hb(5)}},
			},
			wantTasks: []core.TaskID{4}, wantEpoch: 5, wantStats: Stats{Assignments: 2, Stale: 1},
		},
		{
			name: "an assignment older than its start epoch is ignored",
			steps: []step{
				{0, assign(2, true, 1), []string{hb(0)}},
			},
			wantStats: Stats{Stale: 1},
		},
		{
			name: "unassigned: exit, then silence",
			steps: []step{
				{0, assign(3, true, 1), []string{hb(0)}},
				{time.Second, core.Tick{}, []string{hb(3)}},
				{time.Second, assign(4, false), []string{`exit reason="unassigned"`}},
				{3 * time.Second, core.Tick{}, nil},
				{3 * time.Second, assign(5, true, 1), nil},
			},
			wantTasks: []core.TaskID{1}, wantEpoch: 3, wantStats: Stats{Assignments: 1}, wantExited: true,
		},
		{
			name: "assigned to another topology or port: exit",
			steps: []step{
				{0, fromSup(protocol.WorkerAssign{Topology: "x", Port: 6700, Epoch: 9, Assigned: true}),
					[]string{hb(0), `exit reason="assigned x:6700, not wc:6700"`}},
			},
			wantExited: true,
		},
		{
			name: "bad messages are counted and ignored",
			steps: []step{
				{0, core.Recv{From: "s1", Payload: []byte("{")}, []string{hb(0)}},
				{0, core.Recv{From: "s2", Payload: protocol.EncodeMessage(protocol.WorkerAssign{Topology: "wc", Port: 6700, Epoch: 9})}, nil},
				{0, fromSup(protocol.WorkerHeartbeat{Topology: "wc", Port: 6700}), nil},
			},
			wantStats: Stats{BadMessages: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Config{Spec: spec, Supervisor: "s1"})
			for i, s := range tt.steps {
				m.Step(core.Time(s.at), s.ev)
				got := show(m.Ready())
				if !slices.Equal(got, s.want) {
					t.Fatalf("step %d (%s): got effects\n%s\nwant\n%s", i, s.ev,
						strings.Join(got, "\n"), strings.Join(s.want, "\n"))
				}
			}
			if got := m.Tasks(); !slices.Equal(got, tt.wantTasks) {
				t.Errorf("got tasks %v, want %v", got, tt.wantTasks)
			}
			if got := m.Epoch(); got != tt.wantEpoch {
				t.Errorf("got epoch %d, want %d", got, tt.wantEpoch)
			}
			if got := m.Stats(); got != tt.wantStats {
				t.Errorf("got stats %+v, want %+v", got, tt.wantStats)
			}
			if got := m.Exited(); got != tt.wantExited {
				t.Errorf("got exited %t, want %t", got, tt.wantExited)
			}
		})
	}
}

func show(effs []core.Effect) []string {
	var out []string
	for _, e := range effs {
		s := e.String()
		if send, ok := e.(core.Send); ok {
			msg, err := protocol.DecodeMessage(send.Payload)
			if err != nil {
				s = fmt.Sprintf("send to=%s undecodable %v", send.To, err)
			} else {
				s = fmt.Sprintf("send to=%s %T%+v", send.To, msg, msg)
			}
		}
		out = append(out, s)
	}
	return out
}

func TestNewRejectsBadConfig(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New without a supervisor: got no panic, want an assertion")
		}
	}()
	New(Config{Spec: spec})
}
