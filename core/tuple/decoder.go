package tuple

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"
)

// Interning limits. Only short strings repeat often enough to pay for a map
// lookup: words, keys, stream names.
const (
	// InternBytesMax is the longest string a Decoder interns.
	InternBytesMax = 64
	// InternEntriesMax bounds a Decoder's table. When it is full the table is
	// cleared and refills from the current traffic, so a shifting key set
	// neither grows memory nor stays stuck with old keys.
	InternEntriesMax = 4096
)

// Decoder decodes like the package functions and in addition interns short
// strings: a string value or stream name seen before is returned from a table
// instead of being allocated again, boxed in its interface once. Interned
// strings are immutable, so tuples may share them freely. It also copies
// short []byte values into shared chunks (see arenaChunkBytes), and reuses
// the boxes of recurring int64 and float64 values (see numCacheLen).
//
// The zero Decoder is ready to use. A Decoder is not safe for concurrent use;
// a worker keeps one per connection reader. Its memory is bounded by
// InternEntriesMax × InternBytesMax plus map overhead (about 0.5 MiB), plus
// 2 × numCacheLen cached boxes.
type Decoder struct {
	strs map[string]any // each value holds its key: the boxed string
	// recent caches interned strings direct-mapped by a hash of their
	// bytes, in front of strs: a hit costs a hash of two words and a
	// compare instead of a map lookup.
	recent [strCacheLen]strSlot
	arena  []byte // the current chunk; bytes below len are handed out
	// ints and floats cache boxed numbers, direct-mapped by a hash of the
	// value: a number equal to the last one in its slot reuses that box.
	// A slot keeps the raw bits beside the box, so a hit compares words
	// without loading the box.
	ints, floats [numCacheLen]numSlot
	// headers holds the slice headers boxed []byte values point to, carved
	// from chunks as the arena carves their bytes (see boxBytes).
	headers [][]byte
}

// strSlot holds one interned string and its box.
type strSlot struct {
	s string
	v any // nil: the slot is empty
}

// strCacheLen is how many slots Decoder.recent has.
const (
	strCacheBits = 8
	strCacheLen  = 1 << strCacheBits
)

// strHash mixes b's length with its first and last eight bytes: cheap, and
// enough to spread keys that differ at either end. Keys that differ only in
// the middle collide and fall through to the map, which is still correct.
func strHash(b []byte) uint64 {
	n := len(b)
	var x uint64
	if n >= 8 {
		x = binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[n-8:]), 31)
	} else {
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
	}
	return (x ^ uint64(n)) * 0xff51afd7ed558ccd
}

// numSlot caches one boxed number with its bits (an int64's or a float64's).
type numSlot struct {
	bits uint64
	box  any // nil: the slot is empty
}

// headerChunkLen is how many []byte headers one chunk holds.
const headerChunkLen = 256

// Number cache size. Boxing an int64 or float64 into an interface costs an
// allocation (the runtime spares only ints 0..255), and the same numbers
// recur in a stream (counts, ids, measures of a tuple that repeats), so a
// Decoder keeps the last box seen in each of numCacheLen slots per kind. A
// miss costs a compare and the box it would have cost anyway. Boxed
// numbers are immutable, so tuples may share them.
const (
	numCacheBits = 8
	numCacheLen  = 1 << numCacheBits
)

// int64 returns v boxed, reusing a cached box when d has an equal one.
func (d *Decoder) int64(v int64) any {
	if d == nil || uint64(v) < 256 { // the runtime boxes these without allocating
		return v
	}
	slot := &d.ints[(uint64(v)*0x9e3779b97f4a7c15)>>(64-numCacheBits)]
	if slot.bits == uint64(v) && slot.box != nil {
		return slot.box
	}
	slot.bits, slot.box = uint64(v), v
	return slot.box
}

// float64 returns the float with bits boxed, reusing a cached box when d
// has one with the same bits (so 0 and -0, or two NaNs, never mix).
func (d *Decoder) float64(bits uint64) any {
	if d == nil {
		return math.Float64frombits(bits)
	}
	slot := &d.floats[(bits*0x9e3779b97f4a7c15)>>(64-numCacheBits)]
	if slot.bits == bits && slot.box != nil {
		return slot.box
	}
	slot.bits, slot.box = bits, math.Float64frombits(bits)
	return slot.box
}

// Arena limits. A Decoder copies short []byte values into shared chunks
// rather than allocating each: one allocation per chunk instead of one per
// value. The price is that a retained short value keeps its whole chunk
// alive, so chunks are small.
const (
	arenaChunkBytes    = 4096
	arenaValueBytesMax = 256
)

// bytes returns a copy of b, carved from d's arena when d is not nil and b is
// short. The copy's capacity ends at its length, so appending to it
// reallocates rather than overwriting the next value; the arena never writes
// a byte twice.
func (d *Decoder) bytes(b []byte) []byte {
	if d == nil || len(b) > arenaValueBytesMax {
		c := make([]byte, len(b))
		copy(c, b)
		return c
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		d.arena = make([]byte, 0, arenaChunkBytes)
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return d.arena[start:len(d.arena):len(d.arena)]
}

// str returns b as a boxed string, interned when d is not nil.
func (d *Decoder) str(b []byte) any {
	if d == nil || len(b) > InternBytesMax {
		return string(b)
	}
	return d.intern(b)
}

// intern returns the boxed interned string equal to b, adding it when new.
func (d *Decoder) intern(b []byte) any {
	slot := &d.recent[strHash(b)>>(64-strCacheBits)]
	if slot.v != nil && slot.s == string(b) { // the conversion does not allocate
		return slot.v
	}
	v, ok := d.strs[string(b)]
	if !ok {
		v = d.add(b)
	}
	slot.s, slot.v = v.(string), v
	return v
}

// stream returns b as a string, reusing prev when equal and interning when d
// is not nil. A connection carries few streams, so prev nearly always
// matches.
func (d *Decoder) stream(b []byte, prev string) string {
	if string(b) == prev {
		return prev
	}
	if d == nil || len(b) > InternBytesMax {
		return string(b)
	}
	return d.intern(b).(string)
}

func (d *Decoder) add(b []byte) any {
	if d.strs == nil {
		d.strs = make(map[string]any)
	}
	if len(d.strs) >= InternEntriesMax {
		clear(d.strs)
	}
	s := string(b)
	v := any(s)
	d.strs[s] = v
	return v
}

// eface is the layout of an interface value holding a non-interface type:
// its type word and a pointer to the boxed value.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// bytesType is the type word of a []byte in an interface.
var bytesType = func() unsafe.Pointer {
	var v any = []byte(nil)
	return (*eface)(unsafe.Pointer(&v)).typ
}()

// boxBytes returns b in an interface without the allocation a conversion
// costs: the interface points at a header carved from a chunk, exactly as
// the runtime's own box would point at a fresh one. A header is written
// once and never again, so the box is as immutable as the runtime's; a
// retained value keeps its chunk alive, which is why chunks are small. A
// nil Decoder boxes as the runtime does.
func (d *Decoder) boxBytes(b []byte) any {
	if d == nil {
		return b
	}
	if len(d.headers) == cap(d.headers) {
		d.headers = make([][]byte, 0, headerChunkLen)
	}
	d.headers = append(d.headers, b)
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = bytesType, unsafe.Pointer(&d.headers[len(d.headers)-1])
	return v
}
