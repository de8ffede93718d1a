package examples

import (
	"github.com/squall/squall/core"
	"strconv"
	"time"

	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// Words emits words in turn, unanchored and unbounded: the exclamation
// topology's source and the benchmarks' load.
type Words struct {
	task.BaseSpout
	out  task.SpoutCollector
	i    int
	word []task.Values
}

var words = []string{"nathan", "mike", "jackson", "golda", "bertels"}

func (w *Words) Open(_ *task.Context, out task.SpoutCollector) {
	w.out = out
	for _, s := range words {
		w.word = append(w.word, task.Values{s})
	}
}

func (w *Words) NextTuple() {
	w.out.Emit(topology.DefaultStream, w.word[w.i%len(w.word)], nil)
	w.i++
}

// Exclaim appends "!!!" and passes the word on, anchored.
type Exclaim struct {
	task.BaseBolt
	out task.OutputCollector
}

func (e *Exclaim) Prepare(_ *task.Context, out task.OutputCollector) { e.out = out }

func (e *Exclaim) Execute(t *task.Tuple) {
	e.out.Emit(topology.DefaultStream, []*task.Tuple{t}, task.Values{t.String("word") + "!!!"})
	e.out.Ack(t)
}

// Exclamation returns the chain words → exclaim1 → exclaim2.
func Exclamation(name string, workers int) (*topology.Topology, error) {
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Workers = workers
	b.SetConfig(cfg)
	b.Spout("words", TypeWords, 1).Output(topology.DefaultStream, "word")
	b.Bolt("exclaim1", TypeExclaim, 1).ShuffleGrouping("words").Output(topology.DefaultStream, "word")
	b.Bolt("exclaim2", TypeExclaim, 1).ShuffleGrouping("exclaim1").Output(topology.DefaultStream, "word")
	return b.Build()
}

// Sequence is the reliable sequence spout: it emits 1, 2, ... up to its
// "count" config (split among its tasks), each with its number as the
// message id, and replays a number whenever it fails.
type Sequence struct {
	task.BaseSpout
	topo    string
	ledger  Ledger // nil: none
	out     task.SpoutCollector
	next    int64
	stride  int64
	count   int64
	replay  []int64
	Acked   SeqCounts // how often each number was acked
	Replays int64
	vals    valueChunks
}

func (s *Sequence) Open(ctx *task.Context, out task.SpoutCollector) {
	tasks := ctx.ComponentTasks[ctx.Component]
	s.out = out
	s.next, s.stride = int64(indexOf(tasks, ctx.TaskID))+1, int64(len(tasks))
	s.count, _ = strconv.ParseInt(ctx.Config["count"], 10, 64)
	s.topo, s.ledger = ctx.Topology.Name, ledgerOf(ctx)
}

func (s *Sequence) NextTuple() {
	if n := len(s.replay); n > 0 {
		seq := s.replay[0]
		s.replay = s.replay[1:]
		s.Replays++
		s.emit(seq)
		return
	}
	for s.ledger != nil && (s.count == 0 || s.next <= s.count) && s.ledger.IsAcked(s.topo, s.next) {
		s.next += s.stride // committed before a restart
	}
	if s.count > 0 && s.next > s.count {
		return
	}
	seq := s.next
	s.next += s.stride
	s.emit(seq)
}

// emit sends seq with itself as the message id, boxed once for both.
func (s *Sequence) emit(seq int64) {
	v := any(seq)
	s.out.Emit(topology.DefaultStream, s.vals.values(v), v)
}

func (s *Sequence) Ack(msgID any) {
	seq := msgID.(int64)
	s.Acked.Add(seq)
	if s.ledger != nil {
		s.ledger.Acked(s.topo, seq)
	}
}

// Fail queues the number for replay.
func (s *Sequence) Fail(msgID any) { s.replay = append(s.replay, msgID.(int64)) }

// Relay passes each number on, anchored. It emits the input's own Values,
// which are never modified once emitted, and reuses one anchor slice (the
// collector does not keep it), so relaying allocates nothing of its own.
type Relay struct {
	task.BaseBolt
	out    task.OutputCollector
	anchor []*task.Tuple
}

func (r *Relay) Prepare(_ *task.Context, out task.OutputCollector) {
	r.out, r.anchor = out, make([]*task.Tuple, 1)
}

func (r *Relay) Execute(t *task.Tuple) {
	r.anchor[0] = t
	r.out.Emit(topology.DefaultStream, r.anchor, t.Values)
	r.anchor[0] = nil
	r.out.Ack(t)
}

// Sink records every number it sees and how often.
type Sink struct {
	task.BaseBolt
	topo   string
	ledger Ledger     // nil: none
	byTask TaskLedger // the ledger, when it records tasks too
	task   core.TaskID
	out    task.OutputCollector
	Seen   SeqCounts
}

func (s *Sink) Prepare(ctx *task.Context, out task.OutputCollector) {
	s.out, s.topo, s.ledger = out, ctx.Topology.Name, ledgerOf(ctx)
	s.task = ctx.TaskID
	s.byTask, _ = s.ledger.(TaskLedger)
}

// Execute records the number, in the ledger first (before the ack, as a sink
// commits before acknowledging), then acks.
func (s *Sink) Execute(t *task.Tuple) {
	seq := t.Int("seq")
	s.Seen.Add(seq)
	if s.ledger != nil {
		s.ledger.Saw(s.topo, seq)
	}
	if s.byTask != nil {
		s.byTask.SawAt(s.topo, seq, s.task)
	}
	s.out.Ack(t)
}

// SequenceTopology returns sequence → relay (shuffle) → sink (fields on seq),
// emitting count numbers.
func SequenceTopology(name string, workers int, count int, timeout time.Duration, maxPending int) (*topology.Topology, error) {
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Workers = workers
	cfg.MessageTimeout = timeout
	cfg.MaxSpoutPending = maxPending
	b.SetConfig(cfg)
	b.Spout("sequence", TypeSequence, 2).Output(topology.DefaultStream, "seq").Config("count", strconv.Itoa(count))
	b.Bolt("relay", TypeRelay, 4).ShuffleGrouping("sequence").Output(topology.DefaultStream, "seq")
	b.Bolt("sink", TypeSink, 2).FieldsGrouping("relay", topology.DefaultStream, "seq")
	return b.Build()
}
