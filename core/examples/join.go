package examples

import (
	"strconv"
	"time"

	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// Types of the join topology's bolts.
const (
	TypeFork = "examples.Fork"
	TypeJoin = "examples.Join"
)

func init() {
	task.RegisterBolt(TypeFork, func() task.Bolt { return &Fork{} })
	task.RegisterBolt(TypeJoin, func() task.Bolt { return &Join{pending: map[joinKey]*task.Tuple{}} })
}

// Fork emits each number twice, both halves anchored to it, with a nonce
// that tells this fork's halves from a replay's.
type Fork struct {
	task.BaseBolt
	out    task.OutputCollector
	ctx    *task.Context
	anchor []*task.Tuple
	vals   valueChunks
}

func (f *Fork) Prepare(ctx *task.Context, out task.OutputCollector) {
	f.out, f.ctx, f.anchor = out, ctx, make([]*task.Tuple, 1)
}

func (f *Fork) Execute(t *task.Tuple) {
	vals := f.vals.values(t.Value("seq"), int64(f.ctx.Rand.Uint64()>>1))
	f.anchor[0] = t
	f.out.Emit(topology.DefaultStream, f.anchor, vals)
	f.out.Emit(topology.DefaultStream, f.anchor, vals)
	f.anchor[0] = nil
	f.out.Ack(t)
}

// joinPendingMax bounds the halves a Join task waits with; past it the
// oldest is failed (its tree replays). Halves whose twin was lost would
// otherwise stay forever.
const joinPendingMax = 4096

type joinKey struct{ seq, nonce int64 }

// Join pairs the two halves of each fork and emits one tuple anchored to
// both: a join of two tuples of one tree, which completes when the joined
// tuple is acked, not when the join acks the halves.
type Join struct {
	task.BaseBolt
	out     task.OutputCollector
	pending map[joinKey]*task.Tuple
	order   []joinKey // arrival order of pending keys, with some already paired
	anchors []*task.Tuple
}

func (j *Join) Prepare(_ *task.Context, out task.OutputCollector) {
	j.out, j.anchors = out, make([]*task.Tuple, 2)
}

func (j *Join) Execute(t *task.Tuple) {
	k := joinKey{t.Int("seq"), t.Int("nonce")}
	twin := j.pending[k]
	if twin == nil {
		j.wait(k, t)
		return
	}
	delete(j.pending, k)
	j.anchors[0], j.anchors[1] = twin, t
	j.out.Emit(topology.DefaultStream, j.anchors, t.Values)
	j.anchors[0], j.anchors[1] = nil, nil
	j.out.Ack(twin)
	j.out.Ack(t)
}

// wait keeps a half until its twin comes, failing the oldest past
// joinPendingMax.
func (j *Join) wait(k joinKey, t *task.Tuple) {
	j.pending[k] = t
	j.order = append(j.order, k)
	for len(j.pending) > joinPendingMax {
		old := j.order[0]
		j.order = j.order[1:]
		if p := j.pending[old]; p != nil {
			delete(j.pending, old)
			j.out.Fail(p)
		}
	}
	if len(j.order) > 2*joinPendingMax { // drop the keys already paired
		live := make([]joinKey, 0, len(j.pending))
		for _, k := range j.order {
			if j.pending[k] != nil {
				live = append(live, k)
			}
		}
		j.order = live
	}
}

// JoinTopology returns sequence → fork (shuffle) → join (fields on seq) →
// sink (fields on seq): every number's tree forks in two and joins again
// before the sink, emitting count numbers.
func JoinTopology(name string, workers int, count int, timeout time.Duration, maxPending int) (*topology.Topology, error) {
	b := topology.NewBuilder(name)
	cfg := topology.DefaultConfig()
	cfg.Workers = workers
	cfg.MessageTimeout = timeout
	cfg.MaxSpoutPending = maxPending
	b.SetConfig(cfg)
	b.Spout("sequence", TypeSequence, 2).Output(topology.DefaultStream, "seq").Config("count", strconv.Itoa(count))
	b.Bolt("fork", TypeFork, 2).ShuffleGrouping("sequence").Output(topology.DefaultStream, "seq", "nonce")
	b.Bolt("join", TypeJoin, 2).FieldsGrouping("fork", topology.DefaultStream, "seq").
		Output(topology.DefaultStream, "seq", "nonce")
	b.Bolt("sink", TypeSink, 2).FieldsGrouping("join", topology.DefaultStream, "seq")
	return b.Build()
}
