package tuple

import (
	"math"

	"github.com/squall/squall/core"
)

// FNV-1a, 64 bits: a published, byte-oriented hash that any language can
// reproduce, so that clients and tools can predict where a key goes.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// tagUnhashable stands in for a value AppendValues would reject, so that Hash
// never fails or panics on one; such a tuple never leaves its worker anyway.
const tagUnhashable byte = 0xff

// Hash returns a 64-bit hash of vals[fields[0]], vals[fields[1]], ... for
// fields grouping. It is stable across processes, machines and releases: it
// is the murmur3 finalizer of the FNV-1a hash of the selected values'
// encoding, that is of AppendValues(nil, selected), computed without
// building it. So an int, an int32 and an int64 of the same value hash alike.
// The finalizer matters: FNV-1a's low bits depend only on the bytes' low
// bits, and the task is picked from the low bits.
//
// Hash does not allocate. Every field must index vals: the emitter checks a
// tuple's arity against its stream's declared fields before grouping it.
func Hash(vals []any, fields []int) uint64 {
	h := hashUvarint(fnvOffset64, uint64(len(fields)))
	for _, i := range fields {
		if i < 0 || i >= len(vals) {
			core.Assert(false, "tuple.Hash: field %d of a tuple of %d values", i, len(vals))
		}
		h = hashValue(h, vals[i], 0)
	}
	return hashFinish(h)
}

// hashValue feeds the encoding of v, at list depth depth, into h.
func hashValue(h uint64, v any, depth int) uint64 {
	switch v := v.(type) {
	case int64:
		return hashVarint(hashByte(h, tagInt), v)
	case string:
		if len(v) > BytesMax {
			return hashByte(h, tagUnhashable)
		}
		h = hashUvarint(hashByte(h, tagStr), uint64(len(v)))
		for i := 0; i < len(v); i++ {
			h = (h ^ uint64(v[i])) * fnvPrime64
		}
		return h
	case float64:
		bits := math.Float64bits(v)
		h = hashByte(h, tagFloat)
		for range 8 {
			h = (h ^ bits&0xff) * fnvPrime64
			bits >>= 8
		}
		return h
	case bool:
		if v {
			return hashByte(h, tagTrue)
		}
		return hashByte(h, tagFalse)
	case []byte:
		if len(v) > BytesMax {
			return hashByte(h, tagUnhashable)
		}
		h = hashUvarint(hashByte(h, tagBytes), uint64(len(v)))
		for _, c := range v {
			h = (h ^ uint64(c)) * fnvPrime64
		}
		return h
	case int:
		return hashVarint(hashByte(h, tagInt), int64(v))
	case int32:
		return hashVarint(hashByte(h, tagInt), int64(v))
	case nil:
		return hashByte(h, tagNil)
	case []any:
		return hashList(h, v, depth+1)
	}
	return hashByte(h, tagUnhashable)
}

func hashList(h uint64, list []any, depth int) uint64 {
	if depth > ListDepthMax || len(list) > ValuesMax {
		return hashByte(h, tagUnhashable)
	}
	h = hashUvarint(hashByte(h, tagList), uint64(len(list)))
	for _, v := range list {
		h = hashValue(h, v, depth)
	}
	return h
}

func hashByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime64 }

func hashUvarint(h, x uint64) uint64 {
	for x >= 0x80 {
		h = hashByte(h, byte(x)|0x80)
		x >>= 7
	}
	return hashByte(h, byte(x))
}

// hashVarint feeds the zigzag varint of x, as binary.AppendVarint writes it.
func hashVarint(h uint64, x int64) uint64 {
	return hashUvarint(h, uint64(x<<1)^uint64(x>>63))
}

// hashFinish is murmur3's fmix64: every input bit reaches every output bit.
func hashFinish(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
