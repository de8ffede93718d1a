package lanes

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
)

// blockRelease holds every blockBolt's Execute until it is closed; each
// test makes its own. blockEntered hears when an Execute has begun.
var blockRelease, blockEntered chan struct{}

type blockSpout struct {
	task.BaseSpout
	out task.SpoutCollector
}

func (s *blockSpout) Open(_ *task.Context, out task.SpoutCollector) { s.out = out }
func (s *blockSpout) NextTuple()                                    { s.out.Emit("default", task.Values{int64(1)}, nil) }

type blockBolt struct{ task.BaseBolt }

func (blockBolt) Prepare(*task.Context, task.OutputCollector) {}
func (blockBolt) Execute(*task.Tuple) {
	select {
	case blockEntered <- struct{}{}:
	default:
	}
	<-blockRelease
}

// newBlockPlane runs an unbounded spout into a bolt whose Execute waits
// for release.
func newBlockPlane(t *testing.T, release chan struct{}) *Plane {
	t.Helper()
	blockRelease, blockEntered = release, make(chan struct{}, 1)
	b := topology.NewBuilder("block")
	cfg := topology.DefaultConfig()
	cfg.Ackers = 0
	b.SetConfig(cfg)
	b.Spout("spout", "lanesclose.Spout", 1).Output("default", "n")
	b.Bolt("block", "lanesclose.Block", 1).ShuffleGrouping("spout")
	topo, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	workerOf := map[core.TaskID]int{}
	var ids []core.TaskID
	for _, tk := range topology.Tasks(topo) {
		workerOf[tk.ID] = 0
		ids = append(ids, tk.ID)
	}
	p, err := New(task.ExecutorConfig{Topology: topo, Tasks: ids, WorkerOf: workerOf, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func init() {
	task.RegisterSpout("lanesclose.Spout", func() task.Spout { return &blockSpout{} })
	task.RegisterBolt("lanesclose.Block", func() task.Bolt { return blockBolt{} })
}

// A lane stuck in a user's Execute cannot be interrupted: Close gives up
// after its bound rather than hang the worker, and the lane ends once the
// Execute returns.
func TestCloseGivesUpOnAStuckExecute(t *testing.T) {
	release := make(chan struct{})
	p := newBlockPlane(t, release)
	p.Step(0, 0)
	select { // wait until the bolt is inside Execute, however loaded the machine
	case <-blockEntered:
	case <-time.After(waitEnd):
		t.Fatalf("got no Execute begun within %s, want one", waitEnd)
	}
	start := time.Now()
	if p.close(50 * time.Millisecond) {
		t.Fatal("got every lane ended with one inside Execute, want Close to give up")
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("got Close waiting %s, want about 50ms", waited)
	}
	close(release)
	if !p.close(waitEnd) {
		t.Errorf("got lanes still running %s after Execute returned, want all ended", waitEnd)
	}
}

// waitEnd bounds the wait for lanes that are free to end.
const waitEnd = 5 * time.Second

// A bolt that stops taking tuples makes its queue pass the high water
// mark: the plane reports congestion and its spout stops, so the queue
// stays near the mark instead of growing without bound.
func TestBlockedBoltStopsTheSpout(t *testing.T) {
	release := make(chan struct{})
	p := newBlockPlane(t, release)
	defer func() { close(release); p.Close() }()
	p.Step(0, 0)
	deadline := time.Now().Add(waitEnd)
	for !p.Congested() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !p.Congested() {
		t.Fatalf("got no congestion within %s behind a blocked bolt, want it", waitEnd)
	}
	first := p.Stats().Emitted
	time.Sleep(100 * time.Millisecond)
	st := p.Stats()
	if bound := int64(queueHighMessages + 2*task.RemoteMax); st.QueueMax > bound || st.Emitted-first > 2*task.RemoteMax {
		t.Errorf("got a queue of %d and %d more emits while congested, want at most %d and %d",
			st.QueueMax, st.Emitted-first, bound, 2*task.RemoteMax)
	}
}
