package scenarios

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// linOp builds one operation on topology "t" for the model tests; ret < 0
// means indeterminate.
func linOp(client int, call, ret int64, op string, class outcome, status string) porcupine.Operation {
	if ret < 0 {
		ret = infinity
	}
	return porcupine.Operation{ClientId: client, Call: call, Return: ret,
		Input:  linInput{op: op, topology: "t", wait: time.Second},
		Output: linOutput{class: class, status: status}}
}

const (
	submit     = protocol.OpSubmit
	kill       = protocol.OpKill
	activate   = protocol.OpActivate
	deactivate = protocol.OpDeactivate
	rebalance  = protocol.OpRebalance
	status     = protocol.OpStatus
	active     = protocol.StatusActive
	inactive   = protocol.StatusInactive
	killed     = protocol.StatusKilled
	rebal      = protocol.StatusRebalancing
)

func TestLinModel(t *testing.T) {
	tests := []struct {
		name string
		ops  []porcupine.Operation
		want bool
	}{
		{"submit then read", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(1, 2, 3, status, outOK, active)}, true},
		{"a read misses an acknowledged submit", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(1, 2, 3, status, outUnknownTopology, "")}, false},
		{"exists before any submit", []porcupine.Operation{
			linOp(0, 0, 1, submit, outExists, "")}, false},
		{"killed, then gone after the wait", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(0, 2, 3, kill, outOK, ""),
			linOp(1, 4, 5, status, outOK, killed), linOp(1, 6, 7, status, outUnknownTopology, ""),
			linOp(1, 8, 9, submit, outOK, "")}, true},
		{"gone, then killed again", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(0, 2, 3, kill, outOK, ""),
			linOp(1, 4, 5, status, outUnknownTopology, ""), linOp(1, 6, 7, status, outOK, killed)}, false},
		{"an indeterminate submit applies late", []porcupine.Operation{
			linOp(0, 0, -1, submit, outIndeterminate, ""), linOp(1, 1, 2, status, outUnknownTopology, ""),
			linOp(1, 3, 4, status, outOK, active)}, true},
		{"an indeterminate submit never applies", []porcupine.Operation{
			linOp(0, 0, -1, submit, outIndeterminate, ""), linOp(1, 1, 2, status, outUnknownTopology, "")}, true},
		{"deactivated, then read active", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(0, 2, 3, deactivate, outOK, ""),
			linOp(1, 4, 5, status, outOK, active)}, false},
		{"concurrent deactivate: reads may flip once, not back", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(0, 2, 20, deactivate, outOK, ""),
			linOp(1, 3, 4, status, outOK, active), linOp(1, 5, 6, status, outOK, inactive),
			linOp(1, 7, 8, status, outOK, active)}, false},
		{"rebalance returns to the status before", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(0, 2, 3, deactivate, outOK, ""),
			linOp(0, 4, 5, rebalance, outOK, ""), linOp(1, 6, 7, activate, outRebalancing, ""),
			linOp(1, 8, 9, status, outOK, rebal), linOp(1, 10, 11, status, outOK, inactive)}, true},
		{"rebalance returns to another status", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(0, 2, 3, deactivate, outOK, ""),
			linOp(0, 4, 5, rebalance, outOK, ""), linOp(1, 6, 7, status, outOK, active)}, false},
		{"a kill during a rebalance", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(0, 2, 3, rebalance, outOK, ""),
			linOp(0, 4, 5, kill, outOK, ""), linOp(1, 6, 7, rebalance, outKilled, "")}, true},
		{"activate refused as rebalancing while active", []porcupine.Operation{
			linOp(0, 0, 1, submit, outOK, ""), linOp(1, 2, 3, activate, outRebalancing, "")}, false},
	}
	model := linModel.ToModel()
	for _, tt := range tests {
		if got := porcupine.CheckOperations(model, tt.ops); got != tt.want {
			t.Errorf("%s: got linearizable %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		reply protocol.ClientReply
		want  outcome
	}{
		{protocol.ClientReply{OK: true}, outOK},
		{protocol.ClientReply{NotLeader: true, Error: "nimbus: not the leader"}, outNoEffect},
		{protocol.ClientReply{Error: `nimbus: unknown topology "a"`}, outUnknownTopology},
		{protocol.ClientReply{Error: `nimbus: submit: topology "a" already exists`}, outExists},
		{protocol.ClientReply{Error: "nimbus: write of a failed: already exists"}, outExists},
		{protocol.ClientReply{Error: "nimbus: kill: topology a is being killed"}, outKilled},
		{protocol.ClientReply{Error: "nimbus: rebalance: topology a is already rebalancing"}, outRebalancing},
		{protocol.ClientReply{Error: `nimbus: kill: topology "a" has an operation in flight; retry`}, outNoEffect},
		{protocol.ClientReply{Error: "nimbus: write of a failed: leadership lost"}, outNoEffect},
		{protocol.ClientReply{Error: "nimbus: write of a failed: ConnectionLoss"}, outIndeterminate},
		{protocol.ClientReply{Error: "nimbus: kill of a was not applied (ZooKeeper lost the connection before it; " +
			"a re-read shows the record without it); retry"}, outNoEffect},
		{protocol.ClientReply{Error: "nimbus: kill of a: ZooKeeper unreachable, the outcome is unknown; check the status"}, outIndeterminate},
		{protocol.ClientReply{Error: "nimbus: kill of a: its record is unreadable, the outcome is unknown"}, outIndeterminate},
		{protocol.ClientReply{Error: "nimbus: leadership lost; the outcome is unknown, check the status"}, outIndeterminate},
		{protocol.ClientReply{Error: "client: gave up"}, outIndeterminate},
	}
	for _, tt := range tests {
		if got := classify(tt.reply); got != tt.want {
			t.Errorf("classify(%q): got %s, want %s", tt.reply.Error, got, tt.want)
		}
	}
}

// TestHistoryAttempts: a timed-out attempt stays indeterminate; a reply
// from a nimbus with two open attempts widens both to the earliest sending;
// a read answered by a nimbus that did not lead throughout is dropped.
func TestHistoryAttempts(t *testing.T) {
	now := int64(0)
	term := leaderTerm{node: "nimbus-1", czxid: 7}
	h := newHistory(func() core.Time { return core.Time(now) }, func() leaderTerm { return term })
	kill := protocol.ClientRequest{ID: 1, Op: protocol.OpKill, Topology: "t"}
	h.sent(0, kill, "nimbus-1") // t=0, times out
	now = 10
	h.sent(0, kill, "nimbus-2") // t=10, redirected
	h.replied(0, "nimbus-2", protocol.ClientReply{ID: 1, NotLeader: true, Leader: "nimbus-1"})
	now = 20
	h.sent(0, kill, "nimbus-1") // t=20
	now = 30
	h.replied(0, "nimbus-1", protocol.ClientReply{ID: 1, OK: true})
	read := protocol.ClientRequest{ID: 2, Op: protocol.OpStatus, Topology: "t"}
	h.sent(0, read, "nimbus-1")
	term = leaderTerm{node: "nimbus-2", czxid: 9} // a failover before the answer
	now = 40
	h.replied(0, "nimbus-1", protocol.ClientReply{ID: 2, OK: true,
		Topologies: []protocol.TopologySummary{{Name: "t", Status: protocol.StatusActive}}})
	ops := h.operations()
	if len(ops) != 2 {
		t.Fatalf("got %d operations %+v, want 2 (the kill's two attempts to nimbus-1)", len(ops), ops)
	}
	for _, op := range ops {
		if op.Call != 0 {
			t.Errorf("got call time %d, want 0 (widened to the earliest attempt)", op.Call)
		}
	}
	if ops[0].Return != infinity && ops[1].Return != infinity {
		t.Errorf("got returns %d and %d, want one indeterminate", ops[0].Return, ops[1].Return)
	}
	if h.staleDropped != 1 {
		t.Errorf("got %d stale answers dropped, want 1", h.staleDropped)
	}
}

// linSeeds is how many seeds make test runs; SQUALL_LIN_SEEDS raises it.
func linSeeds(t *testing.T, def int) int {
	if s := os.Getenv("SQUALL_LIN_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("SQUALL_LIN_SEEDS=%q: %v", s, err)
		}
		return n
	}
	return def
}

func TestClientLinearizabilityPasses(t *testing.T) {
	for seed := uint64(1); seed <= uint64(linSeeds(t, 20)); seed++ {
		res, err := Run("client-linearizability", Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Passed() {
			t.Errorf("seed %d: got %s %v, want pass; reproduce: %s", seed, res.Verdict, res.Violations,
				res.ReproduceCommand())
		}
		if res.Measures["operations"] < 100 || res.Measures["faults"] < 5 {
			t.Errorf("seed %d: got %v operations and %v faults, want at least 100 and 5", seed,
				res.Measures["operations"], res.Measures["faults"])
		}
	}
}

// linBreakSeeds bounds the seeds within which the check must catch the
// ack-before-write nimbus (it catches 23 of seeds 1-50, the first at seed 3).
const linBreakSeeds = 10

func TestClientLinearizabilityCatchesAckBeforeWrite(t *testing.T) {
	for seed := uint64(1); seed <= linBreakSeeds; seed++ {
		res, _ := Run("client-linearizability", Options{Seed: seed, Break: BreakAckBeforeWrite})
		if !res.Passed() && strings.Contains(strings.Join(res.Violations, "\n"), "linearizability check Illegal") {
			t.Logf("caught at seed %d: %v", seed, res.Violations)
			return
		}
	}
	t.Errorf("got no seed of %d failing the linearizability check with %s, want one", linBreakSeeds,
		BreakAckBeforeWrite)
}

// TestSuspendedLeaderAnswersNothing shows why nimbus stops answering
// clients while its ZooKeeper session is disconnected (as Curator's
// LeaderLatch drops leadership on SUSPENDED): counting every answer, even
// those of a leader that did not hold the leader znode throughout, the
// history is linearizable; a nimbus built to answer from its view while
// disconnected (a deposed leader's stale reads) is caught.
func TestSuspendedLeaderAnswersNothing(t *testing.T) {
	const seeds = 15
	for seed := uint64(1); seed <= seeds; seed++ {
		if res := runLinearizability(Options{Seed: seed}, true); !res.Passed() {
			t.Fatalf("seed %d with every answer counted: got %v, want linearizable", seed, res.Violations)
		}
	}
	const breakSeeds = 40
	for seed := uint64(1); seed <= breakSeeds; seed++ {
		if res := runLinearizability(Options{Seed: seed, Break: BreakAnswerSuspended}, true); !res.Passed() {
			t.Logf("answer-suspended caught at seed %d", seed)
			return
		}
	}
	t.Errorf("got every seed of %d linearizable with %s, want one illegal", breakSeeds, BreakAnswerSuspended)
}
