package sim

import "github.com/squall/squall/core"

// kind is the type of a queued item; the kernel dispatches on it with a switch,
// so the hot loop makes no interface calls and no allocations of its own.
type kind uint8

const (
	kindNone      kind = iota
	kindTick           // a node's periodic Tick
	kindDeliver        // a network message arrives (p: *message)
	kindMachine        // a core.Event for a node's machine (p: core.Event)
	kindZKClient       // a node's ZooKeeper client timer
	kindZKServer       // the ZooKeeper server's session-expiry check
	kindCall           // a scheduled action of the scenario (p: func())
	kindResume         // a paused node resumes
	kindStartDone      // a worker start's latency passed (p: *pendingStart)
)

var kindNames = [...]string{
	kindNone:      "none",
	kindTick:      "tick",
	kindDeliver:   "deliver",
	kindMachine:   "machine",
	kindZKClient:  "zk-client-timer",
	kindZKServer:  "zk-server-timer",
	kindCall:      "call",
	kindResume:    "resume",
	kindStartDone: "start-done",
}

func (k kind) String() string { return kindNames[k] }

// item is one queued event. Items are ordered by (at, seq): seq is the order of
// scheduling, so events at the same instant run first-scheduled first.
type item struct {
	at   core.Time
	seq  uint64
	kind kind
	node int32  // index into World.nodes, or -1
	inc  uint32 // the node's incarnation when scheduled; stale items are dropped
	p    any
}

func (a *item) before(b *item) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// queue is a binary min-heap of items by value.
type queue struct {
	items []item
}

func (q *queue) len() int { return len(q.items) }

// push and pop move a hole up or down the heap instead of swapping items:
// one copy of an item per level rather than three. This is the kernel's
// hottest loop.
func (q *queue) push(it item) {
	q.items = append(q.items, it)
	i := len(q.items) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !it.before(&q.items[parent]) {
			break
		}
		q.items[i] = q.items[parent]
		i = parent
	}
	q.items[i] = it
}

func (q *queue) pop() item {
	n := len(q.items) - 1
	core.Assert(n >= 0, "pop from an empty queue")
	top := q.items[0]
	last := q.items[n]
	q.items[n] = item{} // drop the payload's reference
	q.items = q.items[:n]
	if n == 0 {
		return top
	}
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		least := l
		if r := l + 1; r < n && q.items[r].before(&q.items[l]) {
			least = r
		}
		if !q.items[least].before(&last) {
			break
		}
		q.items[i] = q.items[least]
		i = least
	}
	q.items[i] = last
	return top
}

func (q *queue) peekTime() core.Time { return q.items[0].at }
