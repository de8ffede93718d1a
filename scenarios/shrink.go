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
// be replayed with `squall sim run --file F --seed N`:
//
//	state-machine action            timeline entry
//	crash N ... restart N           crash, node N, for: until the restart (or the end)
//	partition N P ... heal N P      partition, node N, peer P, for: until the heal (or the end)
//	pause, zk_outage                as they are, with for
//	expire_session, lost_replies    as they are
//	submit, kill, activate, ...     as they are; submitted topologies are defined
//	                                under topologies and submitted explicitly
//	time steps                      nothing: entries carry their virtual times
//
// A fault's end is a `for`, because the file's liveness phase heals
// everything after the last fault ends: a fault left open would be healed at
// once on replay.
type schedule struct {
	name, description string
	seed              uint64
	brk               string // the Options.Break the run used ("" for none)
	shape             clusterShape
	workers           map[string]int // submitted topologies and their workers
	steps             []schedStep
	open              map[string]int // windows under way: key -> index in steps
	end               time.Duration  // when the faults stopped
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

// minWindow is the shortest fault window a schedule writes: a fault ended
// at the instant it began still happened (a partition drops what is in
// flight), and a zero `for` would mean "until healed" on replay.
const minWindow = time.Millisecond

func newSchedule(name string, seed uint64, brk string, shape clusterShape) *schedule {
	return &schedule{name: name, seed: seed, brk: brk, shape: shape, workers: map[string]int{},
		open: map[string]int{}}
}

// add records a step that needs no window.
func (s *schedule) add(st schedStep) { s.steps = append(s.steps, st) }

// begin records a fault whose window ends with end(key) or at the finish.
func (s *schedule) begin(key string, st schedStep) {
	s.open[key] = len(s.steps)
	s.steps = append(s.steps, st)
}

// close ends the window under key at now; it reports whether one was open.
func (s *schedule) close(key string, now time.Duration) bool {
	i, ok := s.open[key]
	if !ok {
		return false
	}
	delete(s.open, key)
	s.steps[i].For = max(now-s.steps[i].At, minWindow)
	return true
}

// closeAll ends every window whose key starts with prefix.
func (s *schedule) closeAll(prefix string, now time.Duration) {
	for _, k := range slices.Sorted(maps.Keys(s.open)) {
		if strings.HasPrefix(k, prefix) {
			s.close(k, now)
		}
	}
}

// finish ends the windows still open when the faults stop.
func (s *schedule) finish(end, liveness time.Duration) {
	s.closeAll("", end)
	s.end, s.liveness = end, liveness
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
	if len(s.steps) > 0 {
		b.WriteString("timeline:\n")
	}
	for _, st := range s.steps {
		st.write(&b)
	}
	fmt.Fprintf(&b, "liveness: %s\n", s.liveness)
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
	if st.Do == "lost_replies" {
		field("rate", strconv.FormatFloat(st.Rate, 'g', -1, 64))
	}
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
