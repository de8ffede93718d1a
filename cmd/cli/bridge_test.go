package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// The bridge hands a request to the machine as a message from a pseudo-node
// and returns the reply the machine sends to it; other sends pass through.
func TestBridgeRoundTrip(t *testing.T) {
	var br *bridge
	var passed []core.Send
	net := bridgedNet{net: senderFunc(func(e core.Send) error { passed = append(passed, e); return nil })}
	br = newBridge(func(ev core.Event) {
		r := ev.(core.Recv)
		msg, err := protocol.DecodeMessage(r.Payload)
		if err != nil {
			t.Errorf("decode: got %v, want a request", err)
			return
		}
		req := msg.(protocol.ClientRequest)
		go func() {
			_ = net.Send(core.Send{To: "nimbus-2", Payload: []byte("heartbeat")})
			_ = net.Send(core.Send{To: r.From, Payload: protocol.EncodeMessage(protocol.ClientReply{ID: req.ID, OK: true})})
		}()
	})
	net.b = br
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := br.Request(ctx, protocol.ClientRequest{Op: protocol.OpList})
	if err != nil || !r.OK {
		t.Fatalf("request: got %+v, %v, want ok", r, err)
	}
	if len(passed) != 1 || passed[0].To != "nimbus-2" {
		t.Fatalf("passed through: got %v, want the one send to nimbus-2", passed)
	}
}

// A machine that never answers leaves the caller with its context's error.
func TestBridgeTimeout(t *testing.T) {
	br := newBridge(func(core.Event) {})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := br.Request(ctx, protocol.ClientRequest{Op: protocol.OpList}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if len(br.calls) != 0 {
		t.Fatalf("calls left waiting: got %d, want 0", len(br.calls))
	}
}

type senderFunc func(core.Send) error

func (f senderFunc) Send(e core.Send) error { return f(e) }

// The local network delivers in order to attached machines, refuses unknown
// ones, and drops when a queue is full rather than block.
func TestMemNet(t *testing.T) {
	n := newMemNet()
	got := make(chan core.Recv, 3)
	n.attach("b", func(ev core.Event) { got <- ev.(core.Recv) })
	a := n.endpoint("a")
	for _, p := range []string{"1", "2"} {
		if err := a.Send(core.Send{To: "b", Payload: []byte(p)}); err != nil {
			t.Fatalf("send: got %v, want nil", err)
		}
	}
	for _, want := range []string{"1", "2"} {
		r := <-got
		if r.From != "a" || string(r.Payload) != want {
			t.Fatalf("recv: got %s from %s, want %s from a", r.Payload, r.From, want)
		}
	}
	if err := a.Send(core.Send{To: "c"}); err == nil {
		t.Fatalf("send to an unknown machine: got nil, want an error")
	}
	n.detach("b")
	if err := a.Send(core.Send{To: "b"}); err == nil {
		t.Fatalf("send after detach: got nil, want an error")
	}
	block := make(chan struct{})
	n.attach("slow", func(core.Event) { <-block })
	defer close(block)
	var err error
	for i := 0; i <= memBoxMessagesMax+1 && err == nil; i++ {
		err = a.Send(core.Send{To: "slow"})
	}
	if !errors.Is(err, errMemFull) {
		t.Fatalf("send to a full queue: got %v, want errMemFull", err)
	}
}

func TestMainUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"nope"}, 2},
		{[]string{"version"}, 0},
		{[]string{"config"}, 0},
		{[]string{"submit"}, 2},
		{[]string{"kill"}, 2},
		{[]string{"worker"}, 2},
		{[]string{"local", "--supervisors", "0"}, 2},
		{[]string{"submit", "--topology", "nope", "-c", "nimbus.seeds=127.0.0.1:1"}, 1},
		{[]string{"list", "-c", "nimbus.seeds="}, 1},
		{[]string{"kill", "wc", "--wait", "-5s", "-c", "nimbus.seeds=127.0.0.1:1"}, 2},
		{[]string{"rebalance", "wc", "--wait=-1s", "-c", "nimbus.seeds=127.0.0.1:1"}, 2},
		{[]string{"supervisor", "-c", "supervisor.slots.ports="}, 1},
	}
	for _, tt := range tests {
		var out, errb testWriter
		if got := Main(tt.args, Env{Stdout: &out, Stderr: &errb, Ctx: context.Background()}); got != tt.code {
			t.Errorf("Main(%v): got exit %d, want %d; stderr %s", tt.args, got, tt.code, errb)
		}
	}
}

type testWriter []byte

func (w *testWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

// A spec naming a component type this program does not register is refused
// before anything reaches nimbus: accepted, it showed ACTIVE and ran nothing.
func TestSubmitRefusesUnregisteredType(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, spoutType, want string
	}{
		{"unregistered", "nope.Spout", `component "s" has unregistered type "nope.Spout"`},
		{"registered", "examples.Numbers", "127.0.0.1:1"}, // passes the check, then finds no nimbus
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			spec := `{"version":1,"name":"x","spouts":[{"name":"s","type":"` + tt.spoutType + `","parallelism":1}]}`
			if err := os.WriteFile(path, []byte(spec), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errb testWriter
			code := Main([]string{"submit", "--spec", path, "--no-artifact", "-c", "nimbus.seeds=127.0.0.1:1"},
				Env{Stdout: &out, Stderr: &errb, Ctx: context.Background()})
			if code != 1 || !strings.Contains(string(errb), tt.want) {
				t.Errorf("submit: got exit %d, stderr %q; want exit 1 and %q", code, errb, tt.want)
			}
		})
	}
}

// check-types answers whether this program registers a spec's types: 0
// yes, 3 no (with the reason), 2 for a spec it cannot read.
func TestCheckTypesCommand(t *testing.T) {
	tests := []struct {
		spec string
		code int
		want string
	}{
		{`{"version":1,"name":"x","spouts":[{"name":"s","type":"examples.Numbers","parallelism":1}]}`, 0, ""},
		{`{"version":1,"name":"x","spouts":[{"name":"s","type":"nope.Spout","parallelism":1}]}`, checkTypesRefused, `unregistered type "nope.Spout"`},
		{`{not json`, 2, "topology"},
	}
	for _, tt := range tests {
		var out, errb testWriter
		code := Main([]string{"check-types"}, Env{Stdout: &out, Stderr: &errb, Ctx: context.Background(),
			Stdin: strings.NewReader(tt.spec)})
		if code != tt.code || !strings.Contains(string(errb), tt.want) {
			t.Errorf("check-types %s: got exit %d, stderr %q; want %d and %q", tt.spec, code, errb, tt.code, tt.want)
		}
	}
}

// submit --artifact asks the artifact: a refusal stops the submit, a
// program that cannot answer is warned about and the submit goes on.
func TestCheckArtifactTypes(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	refuses := script("refuses", `cat >/dev/null; echo 'task: component "s" has unregistered type "nope.Spout"' >&2; exit 3`)
	accepts := script("accepts", `cat >/dev/null; exit 0`)
	foreign := script("foreign", `echo 'unknown command "check-types"' >&2; exit 2`)
	ctx := context.Background()
	var warn testWriter
	if err := checkArtifactTypes(ctx, refuses, []byte("{}"), &warn); err == nil || !strings.Contains(err.Error(), "nope.Spout") {
		t.Errorf("refusing program: got %v, want the refusal", err)
	}
	if err := checkArtifactTypes(ctx, accepts, []byte("{}"), &warn); err != nil || len(warn) != 0 {
		t.Errorf("accepting program: got %v, warning %q; want nil and none", err, warn)
	}
	if err := checkArtifactTypes(ctx, foreign, []byte("{}"), &warn); err != nil || !strings.Contains(string(warn), "submitting anyway") {
		t.Errorf("program that cannot answer: got %v, warning %q; want nil and a warning", err, warn)
	}
}
