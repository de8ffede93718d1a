package tuple

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Value tags, one byte before each value's payload. Booleans are two tags so
// that they need no payload. The numbers are part of the wire format: never
// renumber, only add.
const (
	tagNil   byte = 0
	tagFalse byte = 1
	tagTrue  byte = 2
	tagInt   byte = 3 // zigzag varint
	tagFloat byte = 4 // 8 bytes, little-endian IEEE 754 bits
	tagStr   byte = 5 // uvarint length, then the bytes
	tagBytes byte = 6 // uvarint length, then the bytes
	tagList  byte = 7 // uvarint count, then the elements
	tagCount      = 8 // tags at or above are corrupt
)

// AppendValues appends the encoding of vals to dst and returns the extended
// slice. Values may be nil, bool, int64, int, int32, float64, string, []byte
// or []any lists of these; ints of every width encode, and so decode, as
// int64. On error it returns dst unchanged in length, and the error names the
// offending value's index and type.
func AppendValues(dst []byte, vals []any) ([]byte, error) {
	start := len(dst)
	if len(vals) > ValuesMax {
		return dst, fmt.Errorf("%w: %d values (max %d)", ErrTooLarge, len(vals), ValuesMax)
	}
	limit := start + ValuesBytesMax
	dst = appendUvarint(dst, uint64(len(vals)))
	for i, v := range vals {
		var err error
		dst, err = appendValue(dst, v, 0, limit)
		if err != nil {
			return dst[:start], fmt.Errorf("value %d: %w", i, err)
		}
		if len(dst) > limit { // checked per value: 4096 values of 1 MiB would be 4 GiB
			break
		}
	}
	if len(dst) > limit {
		return dst[:start], fmt.Errorf("%w: encoding is %d bytes (max %d)", ErrTooLarge, len(dst)-start, ValuesBytesMax)
	}
	return dst, nil
}

// appendValue appends one value at list depth depth. limit is the index of
// dst that the whole tuple must not pass; lists check it per element so that
// a huge or self-containing list stops early.
func appendValue(dst []byte, v any, depth, limit int) ([]byte, error) {
	switch v := v.(type) {
	case int64:
		return binary.AppendVarint(append(dst, tagInt), v), nil
	case string:
		if len(v) > BytesMax {
			return dst, fmt.Errorf("%w: string of %d bytes (max %d)", ErrTooLarge, len(v), BytesMax)
		}
		return append(appendUvarint(append(dst, tagStr), uint64(len(v))), v...), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(dst, tagFloat), math.Float64bits(v)), nil
	case bool:
		if v {
			return append(dst, tagTrue), nil
		}
		return append(dst, tagFalse), nil
	case []byte:
		if len(v) > BytesMax {
			return dst, fmt.Errorf("%w: []byte of %d bytes (max %d)", ErrTooLarge, len(v), BytesMax)
		}
		return append(appendUvarint(append(dst, tagBytes), uint64(len(v))), v...), nil
	case int:
		return binary.AppendVarint(append(dst, tagInt), int64(v)), nil
	case int32:
		return binary.AppendVarint(append(dst, tagInt), int64(v)), nil
	case nil:
		return append(dst, tagNil), nil
	case []any:
		return appendList(dst, v, depth+1, limit)
	}
	return dst, fmt.Errorf("%w %T", ErrUnsupported, v)
}

// appendList appends a list whose elements sit at depth depth.
func appendList(dst []byte, list []any, depth, limit int) ([]byte, error) {
	if depth > ListDepthMax {
		return dst, fmt.Errorf("%w: lists nested deeper than %d", ErrTooLarge, ListDepthMax)
	}
	if len(list) > ValuesMax {
		return dst, fmt.Errorf("%w: list of %d elements (max %d)", ErrTooLarge, len(list), ValuesMax)
	}
	dst = appendUvarint(append(dst, tagList), uint64(len(list)))
	for i, v := range list {
		var err error
		dst, err = appendValue(dst, v, depth, limit)
		if err != nil {
			return dst, fmt.Errorf("element %d: %w", i, err)
		}
		if len(dst) > limit {
			return dst, fmt.Errorf("%w: encoding over %d bytes", ErrTooLarge, ValuesBytesMax)
		}
	}
	return dst, nil
}

// appendUvarint is binary.AppendUvarint with the one-byte case inlined: counts
// and lengths are nearly always below 128.
func appendUvarint(dst []byte, x uint64) []byte {
	if x < 0x80 {
		return append(dst, byte(x))
	}
	return binary.AppendUvarint(dst, x)
}
