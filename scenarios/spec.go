package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/squall/squall/core/yaml"
)

// Spec is a scenario file: a cluster shape, the topologies a client submits,
// a timeline of faults and client operations, an optional window of seeded
// random faults, a liveness bound, and expectations. See doc.go and the
// README for the format.
type Spec struct {
	Name        string
	Description string
	// Engine "go" runs the Go body registered under Name (a scenario whose
	// logic the format cannot express); "" runs the file declaratively.
	Engine     string
	Cluster    ClusterSpec
	Topologies []TopologySpec
	Timeline   []Step
	Chaos      *ChaosSpec
	// Liveness: after the last fault (the chaos window's end, or the last
	// timeline fault), everything is healed and the cluster must converge
	// within this bound. Zero: no liveness phase (only the final check).
	Liveness time.Duration
	RunFor   time.Duration // total virtual time; derived when zero
	// StopAfterConverged, when set (and RunFor is not), ends the run this
	// long after the liveness phase converged instead of at its bound: the
	// swarm uses it, so that a seed costs what it needs.
	StopAfterConverged time.Duration
	Expect             []Expectation
}

// ClusterSpec shapes the cluster.
type ClusterSpec struct {
	Nimbuses    int
	Supervisors int
	Slots       int // per supervisor
	DataPlane   bool
	CPU         int // per supervisor, in percent of a core; 0: the default 400
	// Lanes runs the data plane as real workers do, one lane per task
	// (core/lanes, stepped in an order drawn from the seed), instead of
	// one executor per worker; LaneQueueMax, when set, is the lanes' hard
	// queue bound (water marks under it), tight enough to reach the drop
	// path.
	Lanes        bool
	LaneQueueMax int
	// Worker starts as the real ones behave (sim.ProcessFaults): each takes
	// a latency drawn from [0, StartLatencyMax) and fails to fetch its
	// artifact with probability FetchFailure, until the heal.
	StartLatencyMax time.Duration
	FetchFailure    float64
}

// Bounds of the worker start faults a spec may ask for: latencies stay
// below the supervisor's start timeout (10 s), and some starts succeed.
const (
	specStartLatencyMax = 8 * time.Second
	specFetchFailureMax = 0.9
)

// TopologySpec is one topology a client submits, built by an example builder.
type TopologySpec struct {
	Name    string
	Example string // wordcount | sequence | cycle | exclamation
	Workers int
	At      time.Duration // submitted at this time (default 0)
	// Example parameters: sentences (wordcount), messages, timeout,
	// max_pending (sequence), cost, max_pending (cycle).
	Sentences  int
	Messages   int
	Timeout    time.Duration
	MaxPending int
	Cost       string
	line       int
}

// Step is one timeline entry.
type Step struct {
	At          time.Duration
	Do          string
	Node        string
	Peer        string
	Topology    string
	For         time.Duration
	Wait        time.Duration
	Rate        float64
	Workers     int
	Count       int
	Check       string
	Parallelism map[string]int
	line        int
}

// ChaosSpec is a window of random faults drawn from the seed. Weights and
// rates left out are drawn from the seed too (swarm testing).
type ChaosSpec struct {
	From, Until time.Duration
	Every       time.Duration      // mean gap between faults; 0: drawn
	LostReply   float64            // probability a ZooKeeper reply is lost; with Weights set, as given
	Weights     map[string]float64 // fault kind -> relative weight; nil: drawn
	Workers     bool               // worker processes are victims too
}

// Expectation is a named check or a measure bound.
type Expectation struct {
	Check    string
	Measure  string
	Min, Max *float64
	line     int
}

var specName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// ParseFile parses a scenario file; errors name the file and the line.
func ParseFile(name string, data []byte) (*Spec, error) {
	s, err := parseSpec(data)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %s: %w", name, err)
	}
	return s, nil
}

func parseSpec(data []byte) (*Spec, error) {
	root, err := yaml.Parse(data)
	if err != nil {
		return nil, err
	}
	f, err := root.Fields("")
	if err != nil {
		return nil, err
	}
	s := &Spec{Cluster: ClusterSpec{Nimbuses: 2, Supervisors: 3, Slots: 4}}
	f.Require("name")
	f.String("name", &s.Name)
	f.String("description", &s.Description)
	f.String("engine", &s.Engine)
	f.Duration("liveness", &s.Liveness)
	f.Duration("run_for", &s.RunFor)
	f.Duration("stop_after_converged", &s.StopAfterConverged)
	if s.Name != "" && !specName.MatchString(s.Name) {
		f.Failf("name", "want [a-z0-9-]+, got %q", s.Name)
	}
	if s.Engine != "" && s.Engine != "go" {
		f.Failf("engine", "want go or nothing, got %q", s.Engine)
	}
	f.Fail(s.Cluster.parse(f.Node("cluster")))
	f.Fail(s.parseTopologies(f.Node("topologies")))
	f.Fail(s.parseTimeline(f.Node("timeline")))
	f.Fail(s.parseChaos(f.Node("chaos")))
	f.Fail(s.parseExpect(f.Node("expect")))
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s, s.validate()
}

func (c *ClusterSpec) parse(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	f, err := n.Fields("cluster")
	if err != nil {
		return err
	}
	f.Int("nimbuses", &c.Nimbuses)
	f.Int("supervisors", &c.Supervisors)
	f.Int("slots", &c.Slots)
	f.Bool("data_plane", &c.DataPlane)
	f.Int("cpu", &c.CPU)
	f.Bool("lanes", &c.Lanes)
	f.Int("lane_queue_max", &c.LaneQueueMax)
	if c.LaneQueueMax != 0 && c.LaneQueueMax < laneQueueMaxMin {
		f.Failf("lane_queue_max", "want at least %d, got %d", laneQueueMaxMin, c.LaneQueueMax)
	}
	f.Duration("start_latency_max", &c.StartLatencyMax)
	f.Float("fetch_failure", &c.FetchFailure)
	if c.StartLatencyMax < 0 || c.StartLatencyMax > specStartLatencyMax {
		f.Failf("start_latency_max", "want 0 to %s, got %s", specStartLatencyMax, c.StartLatencyMax)
	}
	if c.FetchFailure < 0 || c.FetchFailure > specFetchFailureMax {
		f.Failf("fetch_failure", "want a probability in [0, %g], got %v", specFetchFailureMax, c.FetchFailure)
	}
	bounds := []struct {
		key      string
		v        int
		min, max int
	}{{"nimbuses", c.Nimbuses, 1, 9}, {"supervisors", c.Supervisors, 1, 64}, {"slots", c.Slots, 1, 32}}
	for _, b := range bounds {
		if b.v < b.min || b.v > b.max {
			f.Failf(b.key, "want %d to %d, got %d", b.min, b.max, b.v)
		}
	}
	return f.Err()
}

// examples are the topology builders a file may name.
var exampleNames = []string{"wordcount", "sequence", "cycle", "exclamation"}

func (s *Spec) parseTopologies(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	items, err := n.List("topologies")
	if err != nil {
		return err
	}
	for i, it := range items {
		path := yaml.JoinPath("topologies", i)
		f, err := it.Fields(path)
		if err != nil {
			return err
		}
		t := TopologySpec{Workers: 3, line: it.Line}
		f.Require("name", "example")
		f.String("name", &t.Name)
		f.String("example", &t.Example)
		f.Int("workers", &t.Workers)
		f.Duration("at", &t.At)
		f.Int("sentences", &t.Sentences)
		f.Int("messages", &t.Messages)
		f.Duration("timeout", &t.Timeout)
		f.Int("max_pending", &t.MaxPending)
		f.String("cost", &t.Cost)
		if t.Example != "" && !slices.Contains(exampleNames, t.Example) {
			f.Failf("example", "want one of %v, got %q", exampleNames, t.Example)
		}
		if t.Workers < 1 || t.Workers > 64 {
			f.Failf("workers", "want 1 to 64, got %d", t.Workers)
		}
		if err := f.Err(); err != nil {
			return err
		}
		s.Topologies = append(s.Topologies, t)
	}
	return nil
}

// stepKeys are the keys each action takes besides at and do.
var stepKeys = map[string][]string{
	"crash": {"node", "for"}, "crash_host": {"node", "for"}, "restart": {"node"},
	"pause": {"node", "for"}, "partition": {"node", "peer", "for"},
	"one_way_partition": {"node", "peer", "for"}, "heal": {"node", "peer"}, "heal_all": {},
	"clog": {"node", "for"}, "reset": {"node"}, "expire_session": {"node"}, "zk_outage": {"for"},
	"clock_drift": {"node", "rate"}, "lost_replies": {"rate"}, "disk_errors": {"node", "rate", "for"},
	"add_supervisors": {"count"}, "submit": {"topology"}, "kill": {"topology", "wait"},
	"activate": {"topology"}, "deactivate": {"topology"},
	"rebalance": {"topology", "workers", "wait", "parallelism"}, "status": {"topology"},
	"run": {}, "check": {"check"}, "corrupt_record": {"topology"},
}

// stepRequired are the keys an action cannot do without.
var stepRequired = map[string][]string{
	"crash": {"node"}, "crash_host": {"node"}, "restart": {"node"}, "pause": {"node", "for"},
	"partition": {"node"}, "one_way_partition": {"node"}, "heal": {"node"}, "clog": {"node", "for"},
	"reset": {"node"}, "expire_session": {"node"}, "zk_outage": {"for"}, "clock_drift": {"node", "rate"},
	"lost_replies": {"rate"}, "disk_errors": {"node"}, "add_supervisors": {"count"},
	"submit": {"topology"}, "kill": {"topology"}, "activate": {"topology"}, "deactivate": {"topology"},
	"rebalance": {"topology"}, "status": {}, "check": {"check"}, "corrupt_record": {"topology"},
}

func (s *Spec) parseTimeline(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	items, err := n.List("timeline")
	if err != nil {
		return err
	}
	for i, it := range items {
		st, err := parseStep(it, yaml.JoinPath("timeline", i))
		if err != nil {
			return err
		}
		s.Timeline = append(s.Timeline, st)
	}
	sort.SliceStable(s.Timeline, func(i, j int) bool { return s.Timeline[i].At < s.Timeline[j].At })
	return nil
}

func parseStep(it *yaml.Node, path string) (Step, error) {
	f, err := it.Fields(path)
	if err != nil {
		return Step{}, err
	}
	st := Step{line: it.Line}
	f.Require("at", "do")
	f.Duration("at", &st.At)
	f.String("do", &st.Do)
	keys, ok := stepKeys[st.Do]
	if !ok && st.Do != "" {
		f.Failf("do", "unknown action %q", st.Do)
		return st, f.Err()
	}
	for _, k := range keys {
		switch k {
		case "node":
			f.String(k, &st.Node)
		case "peer":
			f.String(k, &st.Peer)
		case "topology":
			f.String(k, &st.Topology)
		case "for":
			f.Duration(k, &st.For)
		case "wait":
			f.Duration(k, &st.Wait)
		case "rate":
			f.Float(k, &st.Rate)
		case "workers":
			f.Int(k, &st.Workers)
		case "count":
			f.Int(k, &st.Count)
		case "check":
			f.String(k, &st.Check)
		case "parallelism":
			st.Parallelism = parseIntMap(f, k)
		}
	}
	f.Require(stepRequired[st.Do]...)
	if st.Do == "clock_drift" && (st.Rate <= 0.1 || st.Rate >= 10) {
		f.Failf("rate", "want a clock rate between 0.1 and 10, got %v", st.Rate)
	}
	if (st.Do == "lost_replies" || st.Do == "disk_errors") && (st.Rate < 0 || st.Rate > 1) {
		f.Failf("rate", "want a probability in [0, 1], got %v", st.Rate)
	}
	if st.Do == "check" && checks[st.Check].instant == nil {
		f.Failf("check", "unknown instant check %q (known: %v)", st.Check, checkNames(true))
	}
	return st, f.Err()
}

func parseIntMap(f *yaml.Fields, key string) map[string]int {
	n := f.Node(key)
	if n == nil {
		return nil
	}
	m, err := n.Fields(f.Path(key))
	if err != nil {
		f.Fail(err)
		return nil
	}
	out := map[string]int{}
	for _, k := range n.Keys() {
		v := 0
		m.Int(k, &v)
		out[k] = v
	}
	f.Fail(m.Err())
	return out
}

func (s *Spec) parseChaos(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	f, err := n.Fields("chaos")
	if err != nil {
		return err
	}
	c := &ChaosSpec{}
	f.Require("until")
	f.Duration("from", &c.From)
	f.Duration("until", &c.Until)
	f.Duration("every", &c.Every)
	f.Float("lost_reply", &c.LostReply)
	f.Bool("workers", &c.Workers)
	if w := f.Node("weights"); w != nil {
		wf, err := w.Fields(f.Path("weights"))
		if err != nil {
			return err
		}
		c.Weights = map[string]float64{}
		for _, k := range w.Keys() {
			if chaosKind(k) == faultKinds {
				wf.Failf(k, "unknown fault kind (known: %v)", chaosKindNames())
			}
			v := 0.0
			wf.Float(k, &v)
			c.Weights[k] = v
		}
		f.Fail(wf.Err())
	}
	if c.Until <= c.From {
		f.Failf("until", "want after from (%s), got %s", c.From, c.Until)
	}
	if c.LostReply < 0 || c.LostReply > 1 {
		f.Failf("lost_reply", "want a probability in [0, 1], got %v", c.LostReply)
	}
	s.Chaos = c
	return f.Err()
}

func (s *Spec) parseExpect(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	items, err := n.List("expect")
	if err != nil {
		return err
	}
	for i, it := range items {
		f, err := it.Fields(yaml.JoinPath("expect", i))
		if err != nil {
			return err
		}
		e := Expectation{line: it.Line}
		f.String("check", &e.Check)
		f.String("measure", &e.Measure)
		var lo, hi float64
		if f.Has("min") {
			f.Float("min", &lo)
			e.Min = &lo
		}
		if f.Has("max") {
			f.Float("max", &hi)
			e.Max = &hi
		}
		switch {
		case (e.Check == "") == (e.Measure == ""):
			f.Fail(&yaml.Error{Line: it.Line, Path: yaml.JoinPath("expect", i), Msg: "want exactly one of check or measure"})
		case e.Check != "" && checks[e.Check].final == nil:
			f.Failf("check", "unknown check %q (known: %v)", e.Check, checkNames(false))
		case e.Check != "" && (e.Min != nil || e.Max != nil):
			f.Failf("check", "min and max go with a measure, not a check")
		case e.Measure != "" && !slices.Contains(measureNames(), e.Measure):
			f.Failf("measure", "unknown measure %q (known: %v)", e.Measure, measureNames())
		}
		if err := f.Err(); err != nil {
			return err
		}
		s.Expect = append(s.Expect, e)
	}
	return nil
}

// validate checks what spans sections: names that steps refer to.
func (s *Spec) validate() error {
	names := map[string]bool{}
	for _, t := range s.Topologies {
		if names[t.Name] {
			return &yaml.Error{Line: t.line, Msg: fmt.Sprintf("topology %q defined twice", t.Name)}
		}
		names[t.Name] = true
	}
	for _, st := range s.Timeline {
		if st.Topology != "" && st.Do == "submit" && !names[st.Topology] {
			return &yaml.Error{Line: st.line, Msg: fmt.Sprintf("submit of %q, which topologies does not define", st.Topology)}
		}
		if err := s.validNode(st.Node, st.line); err != nil {
			return err
		}
		if st.Peer != "" && st.Peer != "zk" {
			if err := s.validNode(st.Peer, st.line); err != nil {
				return err
			}
		}
	}
	return nil
}

var nodeName = regexp.MustCompile(`^(nimbus|sup)-([0-9]+)$|^(leader|worker|client|crashed|any_supervisor|any_nimbus|follower)$|^sup-[0-9]+:[0-9]+$`)

func (s *Spec) validNode(name string, line int) error {
	if name == "" || nodeName.MatchString(name) {
		return nil
	}
	return &yaml.Error{Line: line, Msg: fmt.Sprintf("unknown node %q (want nimbus-N, sup-N, leader, follower, worker, "+
		"client, crashed, any_supervisor or any_nimbus)", name)}
}
