package lanes

import (
	"math/rand/v2"
	"slices"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/task"
)

// Set is a worker's lanes: one per task of its assignment, by ascending
// task id, and the table from task id to lane. It is read-only once built,
// so every lane's goroutine may read it.
type Set struct {
	hub    Hub
	lanes  []*Lane
	laneOf []int // by task id; -1 for tasks of other workers
	local  int
	tasks  []core.TaskID // spout and bolt tasks, ascending
	comp   map[core.TaskID]string
	// deferRemote makes rounds leave what is for other workers in the
	// executors until FlushRemote (see Stepped.Step).
	deferRemote bool
}

// NewSet builds one single-task executor per task of cfg.Tasks, each with
// its own generator drawn from cfg.Rand, sharing hub.
func NewSet(cfg task.ExecutorConfig, hub Hub) (*Set, error) {
	s := &Set{hub: hub, local: cfg.Local, comp: map[core.TaskID]string{}}
	ids := slices.Sorted(slices.Values(cfg.Tasks))
	for _, id := range ids {
		one := cfg
		one.Tasks = []core.TaskID{id}
		one.Rand = rand.New(rand.NewPCG(cfg.Rand.Uint64(), cfg.Rand.Uint64()))
		exec, err := task.NewExecutor(one)
		if err != nil {
			return nil, err
		}
		l := &Lane{set: s, index: len(s.lanes), id: id, exec: exec, spout: exec.Spout(id) != nil,
			bolt: exec.Bolt(id) != nil, active: !cfg.Inactive, send: hub.Send} // as exec opened
		s.lanes = append(s.lanes, l)
		for int(id) >= len(s.laneOf) {
			s.laneOf = append(s.laneOf, -1)
		}
		s.laneOf[id] = l.index
		if exec.Metrics(id) != nil {
			s.tasks = append(s.tasks, id)
			s.comp[id] = exec.Component(id)
		}
	}
	for _, l := range s.lanes {
		l.split = make([][]task.Remote, len(s.lanes))
	}
	return s, nil
}

// Len is the number of lanes.
func (s *Set) Len() int { return len(s.lanes) }

// Lane returns lane i.
func (s *Set) Lane(i int) *Lane { return s.lanes[i] }

// LaneOf returns the lane index of a task of this worker, -1 for any other.
func (s *Set) LaneOf(id core.TaskID) int {
	if id < 0 || int(id) >= len(s.laneOf) {
		return -1
	}
	return s.laneOf[id]
}

// ByTask returns the lane of a task of this worker, nil for any other.
func (s *Set) ByTask(id core.TaskID) *Lane {
	if i := s.LaneOf(id); i >= 0 {
		return s.lanes[i]
	}
	return nil
}

// Tasks returns the spout and bolt tasks, ascending.
func (s *Set) Tasks() []core.TaskID { return slices.Clone(s.tasks) }

// Component names a task's component; "" for tasks of other workers.
func (s *Set) Component(id core.TaskID) string { return s.comp[id] }

// Receiver decodes the batches other workers send and hands their messages
// to the lanes of their destination tasks, one batch per lane and incoming
// batch. One goroutine at a time may use it.
type Receiver struct {
	set   *Set
	dec   task.Decoder
	split [][]task.Remote
}

// NewReceiver returns the set's receiver.
func (s *Set) NewReceiver() *Receiver {
	return &Receiver{set: s, split: make([][]task.Remote, len(s.lanes))}
}

// Receive decodes batch (without its prefix) and queues its messages; an
// error means none was queued. Messages for tasks not here (any more) are
// dropped: their trees time out.
func (r *Receiver) Receive(batch []byte) error {
	rs, err := r.dec.DecodeBatch(batch)
	if err != nil {
		return err
	}
	hub := r.set.hub
	for _, m := range rs {
		if i := r.set.LaneOf(m.Dest); i >= 0 {
			if r.split[i] == nil {
				r.split[i] = hub.Batch()
			}
			r.split[i] = append(r.split[i], m)
		}
	}
	r.dec.Reset()
	pushSplit(hub, r.split)
	return nil
}
