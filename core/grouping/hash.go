package grouping

import (
	"fmt"
	"math"
)

// The fields hash must be stable: equal keys must reach the same task in
// every worker process, in every version of Squall that can share a topology,
// and on every platform. So it hashes a canonical byte form of the values with
// FNV-1a and never Go's randomly seeded map hash. Changing it moves keys
// between tasks and loses the state stateful bolts keep per key; the golden
// test pins it.
//
// The canonical form is, per value, a tag byte and then:
//
//	nil                 -
//	false, true         -
//	integer             8 bytes, big-endian two's complement of its int64 value
//	uint above MaxInt64 8 bytes, big-endian
//	float32, float64    8 bytes, big-endian IEEE 754 of the float64; -0 as 0,
//	                    every NaN as one NaN
//	string, []byte      the length as 8 bytes, then the bytes
//	[]any               the length as 8 bytes, then each element's form
//
// So int, int32, int64 and the unsigned types hash equal when their values
// are equal, while 1, 1.0, "1" and []byte("1") hash apart. The form is
// prefix-free, so ("ab", "c") and ("a", "bc") hash apart too.
//
// TODO(tuple): switch to tuple.Hash once the codec lands; it takes the same
// arguments.

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211

	// hashDepthMax bounds the nesting of lists, so that a list that contains
	// itself panics instead of recursing forever.
	hashDepthMax = 32

	canonicalNaN = 0x7ff8000000000001 // math.NaN()'s bits
)

// Tags of the canonical form.
const (
	tagNil byte = iota + 1
	tagFalse
	tagTrue
	tagInt
	tagUint
	tagFloat
	tagString
	tagBytes
	tagList
)

// fieldsHash is the stable hash of the values at indexes. Its 64 bits are
// mixed (FNV-1a alone leaves its low bits a function of the low bits of the
// input bytes, which a modulus by an even task count would expose). It panics
// when values is shorter than an index needs or holds a value of a kind a
// tuple cannot carry: the emitter broke its stream's contract.
func fieldsHash(values []any, indexes []int) uint64 {
	h := fnv(fnvOffset64)
	for _, i := range indexes {
		if i >= len(values) {
			panic(fmt.Sprintf("grouping: tuple of %d values has no field at position %d", len(values), i))
		}
		h = h.value(values[i], 0)
	}
	return mix64(uint64(h))
}

// mix64 is SplitMix64's finalizer: every input bit flips each output bit with
// probability about one half.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// fnv is a running FNV-1a hash.
type fnv uint64

func (h fnv) byte(b byte) fnv { return (h ^ fnv(b)) * fnvPrime64 }

func (h fnv) uint64(v uint64) fnv {
	for shift := 56; shift >= 0; shift -= 8 {
		h = h.byte(byte(v >> shift))
	}
	return h
}

func (h fnv) int(v int64) fnv { return h.byte(tagInt).uint64(uint64(v)) }

func (h fnv) uint(v uint64) fnv {
	if v <= math.MaxInt64 {
		return h.int(int64(v))
	}
	return h.byte(tagUint).uint64(v)
}

func (h fnv) float(v float64) fnv {
	bits := math.Float64bits(v)
	switch {
	case v == 0: // 0 and -0
		bits = 0
	case v != v:
		bits = canonicalNaN
	}
	return h.byte(tagFloat).uint64(bits)
}

func (h fnv) string(s string) fnv {
	h = h.byte(tagString).uint64(uint64(len(s)))
	for i := 0; i < len(s); i++ {
		h = h.byte(s[i])
	}
	return h
}

func (h fnv) bytes(b []byte) fnv {
	h = h.byte(tagBytes).uint64(uint64(len(b)))
	for _, c := range b {
		h = h.byte(c)
	}
	return h
}

func (h fnv) value(v any, depth int) fnv {
	switch v := v.(type) {
	case nil:
		return h.byte(tagNil)
	case bool:
		if v {
			return h.byte(tagTrue)
		}
		return h.byte(tagFalse)
	case int:
		return h.int(int64(v))
	case int8:
		return h.int(int64(v))
	case int16:
		return h.int(int64(v))
	case int32:
		return h.int(int64(v))
	case int64:
		return h.int(v)
	case uint:
		return h.uint(uint64(v))
	case uint8:
		return h.uint(uint64(v))
	case uint16:
		return h.uint(uint64(v))
	case uint32:
		return h.uint(uint64(v))
	case uint64:
		return h.uint(v)
	case float32:
		return h.float(float64(v))
	case float64:
		return h.float(v)
	case string:
		return h.string(v)
	case []byte:
		return h.bytes(v)
	case []any:
		return h.list(v, depth)
	}
	panic(fmt.Sprintf("grouping: cannot hash a %T: tuple values are nil, bool, integers, floats, string, []byte and []any of these", v))
}

func (h fnv) list(l []any, depth int) fnv {
	if depth >= hashDepthMax {
		panic(fmt.Sprintf("grouping: cannot hash lists nested over %d deep", hashDepthMax))
	}
	h = h.byte(tagList).uint64(uint64(len(l)))
	for _, e := range l {
		h = h.value(e, depth+1)
	}
	return h
}
