package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A schedule is what a state-machine test did to a cluster, written as a
// scenario file (the format's v1 subset) so that a failure rapid shrank can
// be replayed with `squall sim run --file F --seed N`. Every action becomes
// the timeline entry of the same name at the virtual time it happened
// (crash, restart, partition, heal, heal_all, pause and zk_outage with
// their `for`, expire_session, lost_replies, and the client operations);
// time steps become nothing, since entries carry their times. Submitted
// topologies are defined under topologies and submitted explicitly.
//
// A file's liveness phase heals everything once the last fault has ended.
// The run healed at its own moment, so the timeline ends with a fault that
// changes nothing, a clock rate of 1 (true time: the machine never drifts
// clocks), at that instant; and run_for makes the file sit out the whole
// liveness phase as the run did, rather than stop at the first convergence.
type schedule struct {
	name, description string
	seed              uint64
	brk               string // the Options.Break the run used ("" for none)
	shape             clusterShape
	workers           map[string]int // submitted topologies and their workers
	steps             []schedStep
	end               time.Duration // when the run healed everything
	liveness          time.Duration
}

// schedStep is one timeline entry at the virtual time it happened.
type schedStep struct {
	At       time.Duration
	Do       string
	Node     string
	Peer     string
	Topology string
	For      time.Duration
	Wait     time.Duration
	Workers  int
	Rate     float64
}

func newSchedule(name string, seed uint64, brk string, shape clusterShape) *schedule {
	return &schedule{name: name, seed: seed, brk: brk, shape: shape, workers: map[string]int{}}
}

// add records a step.
func (s *schedule) add(st schedStep) { s.steps = append(s.steps, st) }

// finish records when the run healed everything and its liveness bound.
func (s *schedule) finish(end, liveness time.Duration) { s.end, s.liveness = end, liveness }

// minimizeRunsMax bounds the replays minimize makes.
const minimizeRunsMax = 400

// minimize removes steps one at a time, last first, keeping each removal
// after which fails still holds, and repeats until a pass removes nothing
// (delta debugging's final phase: the result is 1-minimal). It complements
// rapid, whose shrinking stops at a wall-clock deadline and so goes less far
// on a loaded machine; steps carry absolute times, so removing one does not
// move the others.
func (s *schedule) minimize(fails func(*schedule) bool) *schedule {
	best, runs := s, 0
	for changed := true; changed && runs < minimizeRunsMax; {
		changed = false
		for i := len(best.steps) - 1; i >= 0 && runs < minimizeRunsMax; i-- {
			cand := best.without(i)
			runs++
			if fails(cand) {
				best, changed = cand, true
			}
		}
	}
	return best
}

// without is the schedule less step i; a topology no longer submitted is
// no longer defined.
func (s *schedule) without(i int) *schedule {
	out := *s
	out.steps = slices.Delete(slices.Clone(s.steps), i, i+1)
	out.workers = map[string]int{}
	for _, st := range out.steps {
		if st.Do == "submit" {
			out.workers[st.Topology] = s.workers[st.Topology]
		}
	}
	return &out
}

// YAML writes the schedule as a scenario file.
func (s *schedule) YAML() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Shrunk by rapid from a failing state-machine run; replay with\n")
	fmt.Fprintf(&b, "#   squall sim run --file FILE --seed %d\n", s.seed)
	if s.brk != "" {
		fmt.Fprintf(&b, "# The run used the test-only broken build Options.Break = %q.\n", s.brk)
	}
	fmt.Fprintf(&b, "name: %s\n", s.name)
	fmt.Fprintf(&b, "description: %s\n", strconv.Quote(s.description))
	fmt.Fprintf(&b, "cluster:\n  nimbuses: %d\n  supervisors: %d\n  slots: %d\n",
		s.shape.nimbuses, s.shape.supervisors, s.shape.slots)
	if len(s.workers) > 0 {
		b.WriteString("topologies:\n")
		for _, name := range slices.Sorted(maps.Keys(s.workers)) {
			fmt.Fprintf(&b, "  - name: %s\n    example: wordcount\n    workers: %d\n", name, s.workers[name])
		}
	}
	b.WriteString("timeline:\n")
	for _, st := range s.steps {
		st.write(&b)
	}
	b.WriteString("  # a fault that changes nothing: the run healed everything here\n")
	s.healMarker().write(&b)
	fmt.Fprintf(&b, "liveness: %s\n", s.liveness)
	// The run sat out the whole liveness phase (a violation after the
	// cluster first converged still counts): so does the file.
	fmt.Fprintf(&b, "run_for: %s\n", s.end+s.liveness)
	return []byte(b.String())
}

func (st schedStep) write(b *strings.Builder) {
	fmt.Fprintf(b, "  - at: %s\n    do: %s\n", st.At, st.Do)
	field := func(key, v string) {
		if v != "" {
			fmt.Fprintf(b, "    %s: %s\n", key, v)
		}
	}
	field("node", st.Node)
	field("peer", st.Peer)
	field("topology", st.Topology)
	if st.For > 0 {
		field("for", st.For.String())
	}
	if st.Wait > 0 {
		field("wait", st.Wait.String())
	}
	if st.Workers > 0 {
		field("workers", strconv.Itoa(st.Workers))
	}
	if st.Do == "lost_replies" || st.Do == "clock_drift" {
		field("rate", strconv.FormatFloat(st.Rate, 'g', -1, 64))
	}
}

// healMarker is the last timeline entry: a clock rate of 1 on the first
// nimbus at the instant the run healed everything.
func (s *schedule) healMarker() schedStep {
	return schedStep{At: s.end, Do: "clock_drift", Node: "nimbus-1", Rate: 1}
}

// String is the schedule's timeline, one step a line, for failure messages.
func (s *schedule) String() string {
	var b strings.Builder
	for _, st := range s.steps {
		fmt.Fprintf(&b, "%s %s", st.At, st.Do)
		for _, kv := range [][2]string{{"node", st.Node}, {"peer", st.Peer}, {"topology", st.Topology}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
			}
		}
		if st.For > 0 {
			fmt.Fprintf(&b, " for=%s", st.For)
		}
		b.WriteString("\n")
	}
	return b.String()
}
