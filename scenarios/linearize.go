package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/squall/squall/core/protocol"
)

// The sequential specification of one topology, as the nimbus client API
// promises it. A topology is absent, or has a status:
//
//	absent ──submit──► ACTIVE ◄──activate/deactivate──► INACTIVE
//	                     │  ▲                               │
//	           rebalance │  └── the wait passes (to prev) ──┤ rebalance
//	                     ▼                                  ▼
//	                 REBALANCING(prev)               REBALANCING(prev)
//	any present status except KILLED ──kill──► KILLED ──the wait passes──► absent
//
// The two "wait passes" transitions are nimbus's own (deadlines, extended by
// a failover): no client operation causes them, so the model lets each
// happen, or not, before any operation. What each operation answers:
//
//	submit            absent: ok, ACTIVE          present: exists
//	kill              absent: unknown topology    KILLED: being killed   else ok, KILLED
//	activate/deact.   absent: unknown topology    KILLED: being killed
//	                  REBALANCING: rebalancing    else ok, ACTIVE/INACTIVE
//	rebalance         as activate, then ok, REBALANCING(prev = the status before)
//	status            absent: unknown topology    else ok and the status
//
// An indeterminate operation (outcome unknown) both applies and does not.
type linState struct {
	status string // "" when absent
	prev   string // REBALANCING: the status it returns to
}

func (s linState) String() string {
	switch {
	case s.status == "":
		return "absent"
	case s.status == protocol.StatusRebalancing:
		return s.status + "(then " + s.prev + ")"
	}
	return s.status
}

// linApply is the specification: the state after in and what it answers.
func linApply(s linState, in linInput) (linState, linOutput) {
	present := s.status != ""
	switch {
	case in.op == protocol.OpSubmit && present:
		return s, linOutput{class: outExists}
	case in.op == protocol.OpSubmit:
		return linState{status: protocol.StatusActive}, linOutput{class: outOK}
	case !present:
		return s, linOutput{class: outUnknownTopology}
	case in.op == protocol.OpStatus:
		return s, linOutput{class: outOK, status: s.status}
	case s.status == protocol.StatusKilled:
		return s, linOutput{class: outKilled}
	case in.op == protocol.OpKill:
		return linState{status: protocol.StatusKilled}, linOutput{class: outOK}
	case s.status == protocol.StatusRebalancing:
		return s, linOutput{class: outRebalancing}
	case in.op == protocol.OpActivate:
		return linState{status: protocol.StatusActive}, linOutput{class: outOK}
	case in.op == protocol.OpDeactivate:
		return linState{status: protocol.StatusInactive}, linOutput{class: outOK}
	case in.op == protocol.OpRebalance:
		return linState{status: protocol.StatusRebalancing, prev: s.status}, linOutput{class: outOK}
	}
	return s, linOutput{class: outIndeterminate} // an operation the model does not know
}

// linSettled is the state after nimbus's own transition, if one is due.
func linSettled(s linState) (linState, bool) {
	switch s.status {
	case protocol.StatusKilled:
		return linState{}, true
	case protocol.StatusRebalancing:
		return linState{status: s.prev}, true
	}
	return s, false
}

// linStep is the model's step: every state the topology may be in after
// the operation answered out, from state s.
func linStep(s linState, in linInput, out linOutput) []linState {
	from := []linState{s}
	if settled, ok := linSettled(s); ok {
		from = append(from, settled)
	}
	var next []linState
	for _, f := range from {
		after, want := linApply(f, in)
		switch {
		case out.class == outIndeterminate:
			next = append(next, f, after)
		case want.class == out.class && want.status == out.status:
			next = append(next, after)
		}
	}
	slices.SortFunc(next, func(a, b linState) int {
		if c := compareStrings(a.status, b.status); c != 0 {
			return c
		}
		return compareStrings(a.prev, b.prev)
	})
	return slices.Compact(next)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// linModel is the porcupine model, partitioned by topology.
var linModel = porcupine.NondeterministicModel{
	Partition: linPartition,
	Init:      func() []any { return []any{linState{}} },
	Step: func(state, input, output any) []any {
		var out []any
		for _, s := range linStep(state.(linState), input.(linInput), output.(linOutput)) {
			out = append(out, s)
		}
		return out
	},
	Equal:             func(a, b any) bool { return a.(linState) == b.(linState) },
	DescribeOperation: linDescribe,
	DescribeState:     func(s any) string { return s.(linState).String() },
}

func linPartition(ops []porcupine.Operation) [][]porcupine.Operation {
	by := map[string][]porcupine.Operation{}
	for _, op := range ops {
		t := op.Input.(linInput).topology
		by[t] = append(by[t], op)
	}
	var out [][]porcupine.Operation
	for _, t := range slices.Sorted(maps.Keys(by)) {
		out = append(out, by[t])
	}
	return out
}

func linDescribe(input, output any) string {
	in, out := input.(linInput), output.(linOutput)
	s := in.op + " " + in.topology
	if in.op == protocol.OpKill || in.op == protocol.OpRebalance {
		s += fmt.Sprintf(" wait=%s", in.wait)
	}
	if in.op == protocol.OpRebalance {
		s += fmt.Sprintf(" workers=%d", in.workers)
	}
	s += " → " + out.class.String()
	if out.status != "" {
		s += " " + out.status
	}
	return s
}

// linCheckTimeout bounds porcupine's search; a history it cannot decide
// within it fails the check as inconclusive.
const linCheckTimeout = 20 * time.Second

// annotation is a window of the run drawn on the visualization: a fault,
// or a leader's term.
type annotation struct {
	tag         string // the row: a node, "faults", "leader"
	start, end  int64
	description string
}

// linCheck checks a history. On an illegal or inconclusive result it writes
// porcupine's visualization, with the annotations, to htmlPath and returns
// why the check failed.
func linCheck(ops []porcupine.Operation, notes []annotation, htmlPath string) (porcupine.CheckResult, error) {
	model := linModel.ToModel()
	res, info := porcupine.CheckOperationsVerbose(model, ops, linCheckTimeout)
	if res == porcupine.Ok {
		return res, nil
	}
	var anns []porcupine.Annotation
	for _, n := range notes {
		anns = append(anns, porcupine.Annotation{Tag: n.tag, Start: n.start, End: n.end,
			Description: n.description, BackgroundColor: "#f6d5d5"})
	}
	info.AddAnnotations(anns)
	if err := porcupine.VisualizePath(model, info, htmlPath); err != nil {
		return res, fmt.Errorf("scenarios: linearizability %s; writing %s: %w", res, htmlPath, err)
	}
	return res, fmt.Errorf("scenarios: linearizability check %s; see %s", res, htmlPath)
}
