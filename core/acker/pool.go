package acker

import "github.com/squall/squall/core"

// Entries live on fixed-size pages, so that storage grows and shrinks in
// steps of one page (6 KiB) rather than by doubling a slice, and so that an
// entry has a small id: page<<pageShift | offset. Index slots keep that id in
// idBits bits.
const (
	pageShift = 8
	pageSize  = 1 << pageShift
	pageMask  = pageSize - 1

	idBits = 24
	idMask = 1<<idBits - 1
	// pagesMax keeps every id+1 below 1<<idBits: an index slot stores id+1 so
	// that 0 can mean empty.
	pagesMax = 1<<(idBits-pageShift) - 1
)

// Entry flags.
const (
	flagSpout  uint8 = 1 << iota // Init arrived: spout is the spout task
	flagFailed                   // a bolt failed a tuple of the tree
)

// entry is one pending root: 24 bytes, the only per-root memory besides an
// index slot.
type entry struct {
	root   uint64
	xor    uint64      // XOR of every id reported for the tree so far
	spout  core.TaskID // valid with flagSpout
	bucket uint8       // the newest bucket at the entry's last update
	flags  uint8
}

type page [pageSize]entry

// pool stores entries on shelves, one shelf per bucket. A shelf is a list of
// pages filled in order: all full but the last. An entry sits on the shelf of
// the bucket it was in when it was filed; when an update moves it to the
// newest bucket only entry.bucket changes, and Rotate refiles it when it
// reaches its old shelf (see Acker.Rotate). So shelf i holds the entries of
// bucket i and possibly entries that have since moved on, never older ones.
type pool struct {
	pages   []*page
	owner   []uint8  // the shelf of each page in use
	free    []uint32 // pages not in use, reused before new ones are allocated
	shelves []shelf
}

type shelf struct {
	pages []uint32
	n     int // entries on the shelf
}

func newPool(shelves int) pool { return pool{shelves: make([]shelf, shelves)} }

// at is the entry with id.
func (p *pool) at(id uint32) *entry { return &p.pages[id>>pageShift][id&pageMask] }

// add files e on shelf s and returns its id.
func (p *pool) add(s uint8, e entry) uint32 {
	sh := &p.shelves[s]
	if sh.n&pageMask == 0 {
		sh.pages = append(sh.pages, p.addPage(s))
	}
	id := sh.pages[sh.n>>pageShift]<<pageShift | uint32(sh.n&pageMask)
	*p.at(id) = e
	sh.n++
	return id
}

// addPage takes a free page, or allocates one, for shelf s.
func (p *pool) addPage(s uint8) uint32 {
	if n := len(p.free); n > 0 {
		pg := p.free[n-1]
		p.free = p.free[:n-1]
		p.owner[pg] = s
		return pg
	}
	// Acker.New bounds PendingMax so that this cannot fire (see PendingMaxLimit).
	core.Assert(len(p.pages) < pagesMax, "acker: %d pages: the id space is exhausted", len(p.pages))
	p.pages = append(p.pages, new(page))
	p.owner = append(p.owner, s)
	return uint32(len(p.pages) - 1)
}

// last is the id of the last entry on the shelf that holds id: the entry that
// remove(id) will move into id.
func (p *pool) last(id uint32) uint32 {
	sh := &p.shelves[p.owner[id>>pageShift]]
	core.Assert(sh.n > 0, "acker: an entry on an empty shelf")
	n := sh.n - 1
	return sh.pages[n>>pageShift]<<pageShift | uint32(n&pageMask)
}

// remove deletes the entry with id by moving its shelf's last entry into its
// place (the caller re-points the index first; see Acker.remove) and frees the
// last page when it empties.
func (p *pool) remove(id uint32) {
	last := p.last(id)
	sh := &p.shelves[p.owner[id>>pageShift]]
	if last != id {
		*p.at(id) = *p.at(last)
	}
	sh.n--
	if sh.n&pageMask == 0 {
		p.free = append(p.free, sh.pages[len(sh.pages)-1])
		sh.pages = sh.pages[:len(sh.pages)-1]
	}
}

// take empties shelf s and hands its pages and entry count to the caller,
// who must give every page back with release. The page list shares its
// array with the shelf's, reused once empty: nothing may be added to shelf s
// until the caller is done with it.
func (p *pool) take(s uint8) (pages []uint32, n int) {
	sh := &p.shelves[s]
	pages, n = sh.pages, sh.n
	sh.pages, sh.n = sh.pages[:0], 0
	return pages, n
}

func (p *pool) release(pg uint32) { p.free = append(p.free, pg) }
