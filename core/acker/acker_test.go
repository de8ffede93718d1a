package acker

import (
	"fmt"
	"strings"
	"testing"

	"github.com/squall/squall/core"
)

// The edges of doc.go's worked example.
const (
	edgeA = 0b1010
	edgeB = 0b0110
	edgeC = 0b0011
)

// step is one message to an Acker and the completions it must print,
// joined by "; ", "" for none.
type step struct {
	op    string // init, ack, fail, rotate
	root  uint64
	spout core.TaskID
	xor   uint64
	want  string
}

func (s step) apply(a *Acker) string {
	var c Completion
	var ok bool
	switch s.op {
	case "init":
		c, ok = a.Init(s.root, s.spout, s.xor)
	case "ack":
		c, ok = a.Ack(s.root, s.xor)
	case "fail":
		c, ok = a.Fail(s.root)
	case "rotate":
		var out []string
		for _, c := range a.Rotate() {
			out = append(out, c.String())
		}
		return strings.Join(out, "; ")
	default:
		panic("unknown op " + s.op)
	}
	if !ok {
		return ""
	}
	return c.String()
}

func TestAckerScripts(t *testing.T) {
	rotate := step{op: "rotate"}
	tests := []struct {
		name        string
		cfg         Config
		steps       []step
		wantPending int
		wantStats   Stats
	}{{
		name: "acks after init complete on the last",
		steps: []step{
			{op: "init", root: 1, spout: 7, xor: edgeA ^ edgeB},
			{op: "ack", root: 1, xor: edgeA ^ edgeC},
			{op: "ack", root: 1, xor: edgeB},
			{op: "ack", root: 1, xor: edgeC, want: "ack root=0000000000000001 spout=7"},
		},
		wantStats: Stats{Acked: 1},
	}, {
		name: "acks before init complete on init",
		steps: []step{
			{op: "ack", root: 1, xor: edgeC},
			{op: "ack", root: 1, xor: edgeA ^ edgeC},
			{op: "ack", root: 1, xor: edgeB},
			{op: "init", root: 1, spout: 7, xor: edgeA ^ edgeB, want: "ack root=0000000000000001 spout=7"},
		},
		wantStats: Stats{Acked: 1},
	}, {
		name:      "init with nothing emitted completes at once",
		steps:     []step{{op: "init", root: 2, spout: 3, xor: 0, want: "ack root=0000000000000002 spout=3"}},
		wantStats: Stats{Acked: 1},
	}, {
		name: "fail after init completes as failed, a late ack starts an orphan",
		steps: []step{
			{op: "init", root: 1, spout: 7, xor: edgeA},
			{op: "fail", root: 1, want: "fail root=0000000000000001 spout=7"},
			{op: "ack", root: 1, xor: edgeA},
		},
		wantPending: 1,
		wantStats:   Stats{Failed: 1},
	}, {
		name: "fail before init completes on init, and wins over XOR 0",
		steps: []step{
			{op: "fail", root: 1},
			{op: "ack", root: 1, xor: edgeA},
			{op: "init", root: 1, spout: 7, xor: edgeA, want: "fail root=0000000000000001 spout=7"},
		},
		wantStats: Stats{Failed: 1},
	}, {
		name: "a root expires on the Buckets-th rotation after its last message",
		steps: []step{
			{op: "init", root: 1, spout: 7, xor: edgeA},
			rotate, rotate,
			{op: "rotate", want: "timeout root=0000000000000001 spout=7"},
			rotate,
		},
		wantStats: Stats{TimedOut: 1},
	}, {
		name: "an ack moves its root to the newest bucket",
		steps: []step{
			{op: "init", root: 1, spout: 7, xor: edgeA ^ edgeB},
			rotate, rotate,
			{op: "ack", root: 1, xor: edgeA},
			rotate, rotate,
			{op: "rotate", want: "timeout root=0000000000000001 spout=7"},
		},
		wantStats: Stats{TimedOut: 1},
	}, {
		name: "two buckets expire on the second rotation",
		cfg:  Config{Buckets: 2},
		steps: []step{
			{op: "ack", root: 5, xor: edgeB},
			{op: "init", root: 4, spout: 1, xor: edgeA},
			rotate,
			{op: "rotate", want: "timeout root=0000000000000004 spout=1"},
		},
		wantStats: Stats{TimedOut: 1, Orphaned: 1},
	}, {
		name: "timeouts come sorted by root, orphans silently",
		steps: []step{
			{op: "init", root: 3, spout: 1, xor: edgeA},
			{op: "ack", root: 9, xor: edgeA},
			{op: "init", root: 1, spout: 2, xor: edgeA},
			{op: "init", root: 2, spout: 1, xor: edgeA},
			rotate, rotate,
			{op: "rotate", want: "timeout root=0000000000000001 spout=2; timeout root=0000000000000002 spout=1; timeout root=0000000000000003 spout=1"},
		},
		wantStats: Stats{TimedOut: 3, Orphaned: 1},
	}, {
		name: "at PendingMax a new root's init is refused and its acks dropped",
		cfg:  Config{PendingMax: 1},
		steps: []step{
			{op: "init", root: 1, spout: 7, xor: edgeA},
			{op: "ack", root: 2, xor: edgeB},
			{op: "fail", root: 2},
			{op: "init", root: 2, spout: 7, xor: edgeB, want: "refused root=0000000000000002 spout=7"},
			{op: "ack", root: 1, xor: edgeA, want: "ack root=0000000000000001 spout=7"},
			{op: "init", root: 2, spout: 7, xor: edgeB},
		},
		wantPending: 1,
		wantStats:   Stats{Acked: 1, Refused: 1, Dropped: 2},
	}, {
		name: "at PendingMax a known root's init is taken",
		cfg:  Config{PendingMax: 1},
		steps: []step{
			{op: "ack", root: 1, xor: edgeA},
			{op: "init", root: 1, spout: 7, xor: edgeA, want: "ack root=0000000000000001 spout=7"},
		},
		wantStats: Stats{Acked: 1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(tt.cfg)
			for i, s := range tt.steps {
				if got := s.apply(a); got != s.want {
					t.Errorf("step %d %s %d: got %q, want %q", i, s.op, s.root, got, s.want)
				}
				if err := checkAcker(a); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			if got := a.Pending(); got != tt.wantPending {
				t.Errorf("got pending %d, want %d", got, tt.wantPending)
			}
			if got := a.Stats(); got != tt.wantStats {
				t.Errorf("got stats %+v, want %+v", got, tt.wantStats)
			}
		})
	}
}

func TestNewConfig(t *testing.T) {
	tests := []struct {
		cfg         Config
		wantPanic   bool
		wantMax     int
		wantBuckets uint8
	}{
		{cfg: Config{}, wantMax: DefaultPendingMax, wantBuckets: DefaultBuckets},
		{cfg: Config{PendingMax: 10, Buckets: 5}, wantMax: 10, wantBuckets: 5},
		{cfg: Config{PendingMax: PendingMaxLimit, Buckets: BucketsLimit}, wantMax: PendingMaxLimit, wantBuckets: BucketsLimit},
		{cfg: Config{PendingMax: -1}, wantPanic: true},
		{cfg: Config{PendingMax: PendingMaxLimit + 1}, wantPanic: true},
		{cfg: Config{Buckets: 1}, wantPanic: true},
		{cfg: Config{Buckets: BucketsLimit + 1}, wantPanic: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.cfg), func(t *testing.T) {
			defer func() {
				if got := recover() != nil; got != tt.wantPanic {
					t.Errorf("got panic %v, want %v", got, tt.wantPanic)
				}
			}()
			a := New(tt.cfg)
			if a.pendingMax != tt.wantMax || a.buckets != tt.wantBuckets {
				t.Errorf("got PendingMax %d, Buckets %d; want %d, %d", a.pendingMax, a.buckets, tt.wantMax, tt.wantBuckets)
			}
		})
	}
}
