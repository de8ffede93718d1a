package lanes

import (
	"github.com/squall/squall/core"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/worker"
)

// Hub is what lanes share: their queues and the outgoing queue. A driver
// implements it; every method must be safe for the driver's lanes to call
// at once (the real runner locks, the simulator runs one lane at a time).
type Hub interface {
	// Next returns the oldest batch queued for lane i, nil when none; the
	// lane owns it until it gives it to Release.
	Next(i int) []task.Remote
	// Taken says that n messages of lane i's queue went into its executor.
	Taken(i, n int)
	// Push queues rs for lane i, which owns it from then on; past the hard
	// bound the hub drops it (see Bounds.Admit).
	Push(i int, rs []task.Remote)
	// Send queues a batch encoded for worker w holding n messages.
	Send(w, n int, batch []byte)
	// Batch returns an empty batch to fill; Release takes one back.
	Batch() []task.Remote
	Release(rs []task.Remote)
	// Refused counts batches the codec could not encode or decode.
	Refused(n int)
}

// Lane is one task and its executor. Only one goroutine at a time may call
// its methods (its lane's, in the real runner).
type Lane struct {
	set   *Set
	index int // in set.lanes
	id    core.TaskID
	exec  *task.Executor
	spout bool
	bolt  bool // only a bolt's input waits in an inbox
	// active and throttled are the flags as last applied to exec.
	active, throttled bool

	enc      task.Encoder
	send     func(w, n int, batch []byte) // the hub's Send; bound once
	split    [][]task.Remote              // per destination lane, being filled
	cur      []task.Remote                // the batch being taken, from curAt on
	curAt    int
	inExec   int64 // tuples in a bolt's inbox
	executed int64 // exec's Executed and Ticks counts when inExec was updated
	ticks    int64
}

// Index is the lane's place in its set.
func (l *Lane) Index() int { return l.index }

// Task is the lane's task.
func (l *Lane) Task() core.TaskID { return l.id }

// Spout reports whether the lane runs a spout.
func (l *Lane) Spout() bool { return l.spout }

// Executor is the lane's executor: read it only between rounds, from the
// goroutine that runs them (or after that goroutine ended).
func (l *Lane) Executor() *task.Executor { return l.exec }

// Round runs the lane once: it applies the plane's flags, takes input,
// steps the executor for at most budget units and routes its output. It
// returns the units spent and whether anything happened; a lane that did
// nothing needs no round before new input, a flag change or a timer.
func (l *Lane) Round(now core.Time, budget int, active, throttled bool) (spent int, busy bool) {
	if active != l.active {
		l.active = active
		l.exec.SetActive(active)
	}
	if throttled != l.throttled {
		l.throttled = throttled
		l.exec.SetThrottled(throttled)
	}
	took := l.take()
	emitted := l.exec.Stats().Emitted
	spent = l.exec.Step(now, budget)
	l.route()
	return spent, took > 0 || spent > 0 || l.exec.Stats().Emitted != emitted
}

// take delivers queued messages to the executor; a bolt lane only while
// its inbox has room (spouts and ackers take acking messages, which wait
// in no inbox), so that a bolt's tuples are released and reused about as
// fast as they are made. It returns the messages taken.
func (l *Lane) take() int {
	if l.bolt {
		st := l.exec.Stats()
		l.inExec += (st.Ticks - l.ticks) - (st.Executed - l.executed)
		l.executed, l.ticks = st.Executed, st.Ticks
	}
	hub := l.set.hub
	taken := 0
	for !l.bolt || l.inExec < LaneInboxMax {
		if l.curAt == len(l.cur) && !l.next() {
			break
		}
		n := len(l.cur) - l.curAt
		if l.bolt {
			n = min(n, int(LaneInboxMax-l.inExec))
			l.inExec += int64(n)
		}
		for i := l.curAt; i < l.curAt+n; i++ {
			l.exec.Deliver(l.cur[i])
		}
		l.curAt += n
		hub.Taken(l.index, n)
		taken += n
	}
	return taken
}

// next makes the oldest queued batch the current one, releasing the
// finished one; it reports false when the queue is empty.
func (l *Lane) next() bool {
	if l.cur != nil {
		l.set.hub.Release(l.cur)
		l.cur, l.curAt = nil, 0
	}
	l.cur = l.set.hub.Next(l.index)
	return l.cur != nil
}

// route hands what the executor produced to sibling lanes (unencoded) and,
// unless the set defers it, to the outgoing queue (encoded here, by the
// lane).
func (l *Lane) route() {
	hub, local := l.set.hub, l.set.local
	if own := l.exec.SwapOutbox(local, hub.Batch()); len(own) > 0 {
		l.routeLocal(own)
	} else {
		hub.Release(own)
	}
	if !l.set.deferRemote {
		l.FlushRemote()
	}
}

// FlushRemote encodes what the executor holds for other workers and sends
// it through the hub.
func (l *Lane) FlushRemote() {
	if refused := worker.FlushRemotes(&l.enc, l.exec.TakeRemote(), l.set.local, l.send); refused > 0 {
		l.set.hub.Refused(refused)
	}
}

// routeLocal passes a batch for sibling lanes on: whole when it has one
// destination lane (the common case), else split by lane.
func (l *Lane) routeLocal(own []task.Remote) {
	s, hub := l.set, l.set.hub
	first := s.LaneOf(own[0].Dest)
	one := first >= 0
	for i := 1; one && i < len(own); i++ {
		one = s.LaneOf(own[i].Dest) == first
	}
	if one {
		hub.Push(first, own)
		return
	}
	for i := range own {
		d := s.LaneOf(own[i].Dest)
		if d < 0 {
			continue // a task no lane here runs: dropped, as Deliver would
		}
		if l.split[d] == nil {
			l.split[d] = hub.Batch()
		}
		l.split[d] = append(l.split[d], own[i])
	}
	hub.Release(own)
	pushSplit(hub, l.split)
}

// pushSplit pushes the filled batches of split to their lanes, leaving
// split empty.
func pushSplit(hub Hub, split [][]task.Remote) {
	for i, rs := range split {
		if len(rs) > 0 {
			hub.Push(i, rs)
			split[i] = nil
		}
	}
}
