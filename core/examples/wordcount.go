package examples

import (
	"strconv"
	"strings"

	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// Component type names.
const (
	TypeSentences = "examples.Sentences"
	TypeSplit     = "examples.Split"
	TypeCount     = "examples.Count"
	TypeWords     = "examples.Words"
	TypeExclaim   = "examples.Exclaim"
	TypeSequence  = "examples.Sequence"
	TypeSink      = "examples.Sink"
	TypeRelay     = "examples.Relay"
)

func init() {
	task.RegisterSpout(TypeSentences, func() task.Spout { return &Sentences{} })
	task.RegisterBolt(TypeSplit, func() task.Bolt { return &Split{} })
	task.RegisterBolt(TypeCount, func() task.Bolt { return &Count{} })
	task.RegisterSpout(TypeWords, func() task.Spout { return &Words{} })
	task.RegisterBolt(TypeExclaim, func() task.Bolt { return &Exclaim{} })
	task.RegisterSpout(TypeSequence, func() task.Spout { return &Sequence{} })
	task.RegisterBolt(TypeSink, func() task.Bolt { return &Sink{} })
	task.RegisterBolt(TypeRelay, func() task.Bolt { return &Relay{} })
}

// Corpus is the text the sentence spout cycles through.
var Corpus = []string{
	"the cow jumped over the moon",
	"an apple a day keeps the doctor away",
	"four score and seven years ago",
	"snow white and the seven dwarfs",
	"i am at two with nature",
}

// Sentences emits Corpus lines in turn, reliably, until its "limit" config
// (total sentences across the spout's tasks share the limit by task index).
type Sentences struct {
	task.BaseSpout
	out     task.SpoutCollector
	next    int64
	limit   int64 // 0: unbounded
	stride  int64
	pending map[int64]bool
	vals    valueChunks
	lines   []any // Corpus, each line boxed once
}

func (s *Sentences) Open(ctx *task.Context, out task.SpoutCollector) {
	s.out, s.pending = out, map[int64]bool{}
	tasks := ctx.ComponentTasks[ctx.Component]
	idx := int64(indexOf(tasks, ctx.TaskID))
	s.next = idx
	if n, err := strconv.ParseInt(ctx.Config["limit"], 10, 64); err == nil {
		// Task i emits sentences i, i+k, i+2k, ... below the limit.
		s.limit = n
	}
	s.stride = int64(len(tasks))
	for _, line := range Corpus {
		s.lines = append(s.lines, line)
	}
}

func (s *Sentences) NextTuple() {
	if s.limit > 0 && s.next >= s.limit {
		return
	}
	id := s.next
	s.next += s.stride
	s.pending[id] = true
	s.out.Emit(topology.DefaultStream, s.vals.values(s.lines[id%int64(len(s.lines))]), id)
}

func (s *Sentences) Ack(msgID any) { delete(s.pending, msgID.(int64)) }

// Fail replays the sentence.
func (s *Sentences) Fail(msgID any) {
	id := msgID.(int64)
	s.out.Emit(topology.DefaultStream, task.Values{Corpus[id%int64(len(Corpus))]}, id)
}

// Split emits one word per word of a sentence, anchored.
type Split struct {
	task.BaseBolt
	out    task.OutputCollector
	anchor []*task.Tuple // reused: Emit does not keep it
	vals   valueChunks
	words  map[string]any // words boxed once, at most wordsMax
}

// wordsMax bounds the boxed words Split keeps; past it the table starts
// afresh, so a vocabulary that drifts costs boxes, not memory.
const wordsMax = 4096

func (s *Split) Prepare(_ *task.Context, out task.OutputCollector) {
	s.out, s.anchor, s.words = out, make([]*task.Tuple, 1), map[string]any{}
}

func (s *Split) Execute(t *task.Tuple) {
	s.anchor[0] = t
	for w := range strings.FieldsSeq(t.String("sentence")) {
		s.out.Emit(topology.DefaultStream, s.anchor, s.vals.values(s.word(w)))
	}
	s.anchor[0] = nil
	s.out.Ack(t)
}

// word returns w boxed, from the table when seen before.
func (s *Split) word(w string) any {
	if v, ok := s.words[w]; ok {
		return v
	}
	if len(s.words) >= wordsMax {
		clear(s.words)
	}
	v := any(w)
	s.words[w] = v
	return v
}

// Count keeps a count per word and emits (word, count).
type Count struct {
	task.BaseBolt
	out    task.OutputCollector
	Counts map[string]int64
	anchor []*task.Tuple // reused: Emit does not keep it
	vals   valueChunks
}

func (c *Count) Prepare(_ *task.Context, out task.OutputCollector) {
	c.out, c.Counts, c.anchor = out, map[string]int64{}, make([]*task.Tuple, 1)
}

func (c *Count) Execute(t *task.Tuple) {
	word := t.Value("word") // already boxed: emitted again as it is
	w, _ := word.(string)
	n := c.Counts[w] + 1
	c.Counts[w] = n
	c.anchor[0] = t
	c.out.Emit(topology.DefaultStream, c.anchor, c.vals.values(word, n))
	c.anchor[0] = nil
	c.out.Ack(t)
}

// WordCount returns the word-count topology: sentences → split (shuffle) →
// count (fields on word). limit bounds the sentences emitted (0: unbounded).
func WordCount(name string, workers int, limit int) (*topology.Topology, error) {
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Workers = workers
	b.SetConfig(cfg)
	sp := b.Spout("sentences", TypeSentences, 2).Output(topology.DefaultStream, "sentence")
	if limit > 0 {
		sp.Config("limit", strconv.Itoa(limit))
	}
	b.Bolt("split", TypeSplit, 4).ShuffleGrouping("sentences").Output(topology.DefaultStream, "word")
	b.Bolt("count", TypeCount, 4).FieldsGrouping("split", topology.DefaultStream, "word").
		Output(topology.DefaultStream, "word", "count")
	return b.Build()
}

// ExpectedCounts is what word count must count for the first n sentences.
func ExpectedCounts(n int) map[string]int64 {
	out := map[string]int64{}
	for i := range n {
		for _, w := range strings.Fields(Corpus[i%len(Corpus)]) {
			out[w]++
		}
	}
	return out
}

func indexOf[T comparable](xs []T, x T) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}
