package acker

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/squall/squall/core"
)

// Limits and defaults of Config.
const (
	// DefaultPendingMax is the bound when Config.PendingMax is 0: about 32 MB
	// of pending state per acker task when reached.
	DefaultPendingMax = 1 << 20
	// PendingMaxLimit keeps entry ids within the 24 bits an index slot holds,
	// with room for a partial page per bucket.
	PendingMaxLimit = 1 << 23
	// DefaultBuckets is Storm's: trees time out after between 1 and 1.5
	// message timeouts of inactivity when Rotate runs every timeout/2.
	DefaultBuckets = 3
	// BucketsLimit bounds Config.Buckets; each bucket may hold a partial page.
	BucketsLimit = 32
)

// Config configures an Acker.
type Config struct {
	// PendingMax bounds the roots pending at once. An Init that would pass it
	// is refused (see Acker.Init); an Ack or Fail that would pass it is
	// dropped. 0 means DefaultPendingMax.
	PendingMax int
	// Buckets is the number of rotating timeout buckets, 2 or more. 0 means
	// DefaultBuckets.
	Buckets int
}

// Completion tells a spout task that a tree is done with: acked, or failed
// and to be replayed at the spout's discretion.
type Completion struct {
	Root      uint64
	SpoutTask core.TaskID
	Failed    bool // a bolt failed a tuple, the tree timed out, or the acker refused it
	TimedOut  bool // failed because no message came for Buckets rotations
	Refused   bool // failed because PendingMax roots were pending when its Init came
}

// String prints c on one line, e.g. "ack root=00000000000000ff spout=3".
func (c Completion) String() string {
	kind := "ack"
	switch {
	case c.TimedOut:
		kind = "timeout"
	case c.Refused:
		kind = "refused"
	case c.Failed:
		kind = "fail"
	}
	return fmt.Sprintf("%s root=%016x spout=%d", kind, c.Root, c.SpoutTask)
}

// Stats counts what an Acker did since New.
type Stats struct {
	Acked    uint64 // trees completed with XOR 0
	Failed   uint64 // trees failed by a bolt's Fail
	TimedOut uint64 // trees expired by Rotate
	Refused  uint64 // Inits refused at PendingMax, completed as failed at once
	Dropped  uint64 // Acks and Fails for unknown roots dropped at PendingMax
	Orphaned uint64 // entries expired by Rotate before any Init: nobody to tell
}

// Acker is the state of one acker task: the pending trees of the roots that
// hash to it. It is not safe for concurrent use; one task owns it.
type Acker struct {
	index      index
	pool       pool
	pendingMax int
	buckets    uint8
	head       uint8 // the newest bucket; the oldest is head+1 mod buckets
	stats      Stats
}

// New returns an empty Acker. It panics on a Config outside its limits.
func New(cfg Config) *Acker {
	if cfg.PendingMax == 0 {
		cfg.PendingMax = DefaultPendingMax
	}
	if cfg.Buckets == 0 {
		cfg.Buckets = DefaultBuckets
	}
	core.Assert(cfg.PendingMax > 0 && cfg.PendingMax <= PendingMaxLimit,
		"acker: PendingMax %d outside [1, %d]", cfg.PendingMax, PendingMaxLimit)
	core.Assert(cfg.Buckets >= 2 && cfg.Buckets <= BucketsLimit,
		"acker: Buckets %d outside [2, %d]", cfg.Buckets, BucketsLimit)
	return &Acker{index: newIndex(), pool: newPool(cfg.Buckets), pendingMax: cfg.PendingMax, buckets: uint8(cfg.Buckets)}
}

// Pending is the number of roots with an entry: trees in flight, including
// those whose Init has not come yet.
func (a *Acker) Pending() int { return a.index.n }

// Stats returns the counters.
func (a *Acker) Stats() Stats { return a.stats }

// Init applies a spout's init message: root's first-level tuples went out
// with ids whose XOR is xor, from spoutTask. It returns the completion when
// the tree is already done: xor was 0 (nothing to track), the Acks came
// first, or a Fail came first.
//
// When PendingMax roots are pending and root is not among them, Init refuses
// it: it returns a Completion with Failed and Refused, for the caller to send
// to the spout like any other, so the spout replays the tuple later.
//
// A second Init for a pending root is XORed in too and names the spout task
// anew, as in Storm; the messages of a tree must each arrive at most once.
func (a *Acker) Init(root uint64, spoutTask core.TaskID, xor uint64) (done Completion, ok bool) {
	slot, id, found := a.index.find(root, &a.pool)
	if !found {
		if a.index.n >= a.pendingMax {
			a.stats.Refused++
			return Completion{Root: root, SpoutTask: spoutTask, Failed: true, Refused: true}, true
		}
		slot, id = a.insert(slot, root)
	}
	e := a.pool.at(id)
	e.xor ^= xor
	e.spout = spoutTask
	e.flags |= flagSpout
	e.bucket = a.head
	return a.settle(slot, id)
}

// Ack applies a bolt's ack of one tuple of root's tree: xor is the XOR of
// that tuple's id and the ids of the tuples emitted anchored to it. It
// returns the completion when this was the last message the tree waited for.
func (a *Acker) Ack(root, xor uint64) (done Completion, ok bool) {
	slot, id, found := a.lookupOrAdd(root)
	if !found {
		return Completion{}, false
	}
	e := a.pool.at(id)
	e.xor ^= xor
	e.bucket = a.head
	return a.settle(slot, id)
}

// Fail applies a bolt's fail of a tuple of root's tree. It returns a failed
// completion at once if the spout task is known, else when Init comes.
func (a *Acker) Fail(root uint64) (done Completion, ok bool) {
	slot, id, found := a.lookupOrAdd(root)
	if !found {
		return Completion{}, false
	}
	e := a.pool.at(id)
	e.flags |= flagFailed
	e.bucket = a.head
	return a.settle(slot, id)
}

// lookupOrAdd finds root's entry or adds an empty one, without a spout task,
// for a message that came before its Init. At PendingMax it adds nothing and
// reports false: the message is dropped, so the tree can no longer reach XOR
// 0 and will time out and replay (safe, if slow; counted in Stats.Dropped).
func (a *Acker) lookupOrAdd(root uint64) (slot int, id uint32, ok bool) {
	slot, id, ok = a.index.find(root, &a.pool)
	if ok {
		return slot, id, true
	}
	if a.index.n >= a.pendingMax {
		a.stats.Dropped++
		return 0, 0, false
	}
	slot, id = a.insert(slot, root)
	return slot, id, true
}

// insert adds an empty entry for root, absent, whose free index slot find
// returned, in the newest bucket.
func (a *Acker) insert(slot int, root uint64) (int, uint32) {
	if a.index.needsGrow() {
		a.index.grow(&a.pool)
		slot, _, _ = a.index.find(root, &a.pool)
	}
	id := a.pool.add(a.head, entry{root: root, bucket: a.head})
	a.index.insertAt(slot, root, id)
	return slot, id
}

// settle completes the tree at slot and id if it is done: the spout task is
// known and either a bolt failed a tuple or the XOR is back to 0. A failure
// wins over XOR 0 (which then means a tuple was both acked and failed),
// where Storm acks: a replay is safer than a lost tuple.
func (a *Acker) settle(slot int, id uint32) (Completion, bool) {
	e := a.pool.at(id)
	if e.flags&flagSpout == 0 || e.xor != 0 && e.flags&flagFailed == 0 {
		return Completion{}, false
	}
	c := Completion{Root: e.root, SpoutTask: e.spout, Failed: e.flags&flagFailed != 0}
	if c.Failed {
		a.stats.Failed++
	} else {
		a.stats.Acked++
	}
	a.remove(slot, id)
	return c, true
}

// remove deletes the entry at index slot and pool id. The pool fills the hole
// with its shelf's last entry, so that entry's slot is re-pointed first.
func (a *Acker) remove(slot int, id uint32) {
	a.index.deleteAt(slot, &a.pool)
	if last := a.pool.last(id); last != id {
		moved, _, ok := a.index.find(a.pool.at(last).root, &a.pool)
		core.Assert(ok, "acker: a shelf's last entry is not in the index")
		a.index.set(moved, id)
	}
	a.pool.remove(id)
}

// Rotate expires the oldest bucket and makes it the newest, empty. The
// driver calls it every message timeout/(Buckets-1).
//
// Every Init, Ack and Fail puts its root in the newest bucket, so a root
// expires at exactly the Buckets-th Rotate after its last message, never
// before: with Rotate every period P, after between (Buckets-1)·P and
// Buckets·P of inactivity. Expired roots whose Init came complete as Failed
// and TimedOut, sorted by root; the others are dropped (Stats.Orphaned).
//
// Cost: O(entries on the oldest bucket's shelf): the expired entries, plus
// those updated since they were filed there, each of which is refiled onto
// its newer bucket's shelf here, once, paid for by that update.
func (a *Acker) Rotate() []Completion {
	oldest := (a.head + 1) % a.buckets
	pages, n := a.pool.take(oldest)
	var expired []Completion
	for i, pg := range pages {
		for off := range min(pageSize, n-i*pageSize) {
			e := *a.pool.at(pg<<pageShift | uint32(off))
			slot, _, ok := a.index.find(e.root, &a.pool)
			core.Assert(ok, "acker: an entry on the oldest shelf is not in the index")
			if e.bucket != oldest {
				a.index.set(slot, a.pool.add(e.bucket, e))
				continue
			}
			a.index.deleteAt(slot, &a.pool)
			if e.flags&flagSpout == 0 {
				a.stats.Orphaned++
				continue
			}
			a.stats.TimedOut++
			expired = append(expired, Completion{Root: e.root, SpoutTask: e.spout, Failed: true, TimedOut: true})
		}
		a.pool.release(pg)
	}
	a.head = oldest
	slices.SortFunc(expired, func(x, y Completion) int { return cmp.Compare(x.Root, y.Root) })
	return expired
}
