package tuple

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Canonical returns vals with every value in the type that decoding its
// encoding gives: ints and uints of every width become int64, float32
// becomes float64, and lists are converted element by element. A task that
// hands a tuple to another in its own worker, without encoding it, calls it
// so that the receiver sees what it would see had the tuple crossed
// workers: one value semantics whatever the route.
//
// It returns vals itself when every value is canonical already (the common
// case, without allocating), else a copy: vals is never modified. A value of
// another type, or a uint above math.MaxInt64, is ErrUnsupported, and a
// tuple past a limit ErrTooLarge, exactly as AppendValues refuses them; the
// error names the offending value.
func Canonical(vals []any) ([]any, error) {
	if canonicalSmall(vals) {
		return vals, nil
	}
	if len(vals) > ValuesMax {
		return vals, fmt.Errorf("%w: %d values (max %d)", ErrTooLarge, len(vals), ValuesMax)
	}
	w := canonWalk{bytes: uvarintLen(uint64(len(vals)))}
	out, copied := vals, false
	for i, v := range vals {
		c, changed, err := w.value(v, 0)
		if err != nil {
			return vals, fmt.Errorf("value %d: %w", i, err)
		}
		if changed {
			if !copied {
				out, copied = slices.Clone(vals), true
			}
			out[i] = c
		}
	}
	return out, nil
}

// Bounds of canonicalSmall: so many values of so many bytes stay below
// ValuesBytesMax (64 × 32 KiB is 2 MiB), whatever they are.
const (
	smallValuesMax = 64
	smallBytesMax  = 32 << 10
)

// canonicalSmall reports whether vals are canonical and too few and small
// to reach a limit: what nearly every emit carries, checked in a few
// nanoseconds without adding up sizes.
func canonicalSmall(vals []any) bool {
	if len(vals) > smallValuesMax {
		return false
	}
	for _, v := range vals {
		switch v := v.(type) {
		case int64, float64, bool, nil:
		case string:
			if len(v) > smallBytesMax {
				return false
			}
		case []byte:
			if len(v) > smallBytesMax {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// canonWalk converts values and adds up the exact size of their encoding,
// to stop as AppendValues would at ValuesBytesMax, and early: a list that
// holds itself, or lists sharing lists, would take forever to walk.
type canonWalk struct{ bytes int }

// value converts one value at list depth depth; it returns changed and the
// converted value when v must be replaced.
func (w *canonWalk) value(v any, depth int) (c any, changed bool, err error) {
	switch v := v.(type) {
	case nil, bool:
		w.bytes++
	case int64:
		w.bytes += 1 + varintLen(v)
	case float64:
		w.bytes += 9
	case string:
		if len(v) > BytesMax {
			return nil, false, fmt.Errorf("%w: string of %d bytes (max %d)", ErrTooLarge, len(v), BytesMax)
		}
		w.bytes += 1 + uvarintLen(uint64(len(v))) + len(v)
	case []byte:
		if len(v) > BytesMax {
			return nil, false, fmt.Errorf("%w: []byte of %d bytes (max %d)", ErrTooLarge, len(v), BytesMax)
		}
		w.bytes += 1 + uvarintLen(uint64(len(v))) + len(v)
	case []any:
		return w.list(v, depth+1)
	case float32:
		w.bytes += 9
		return float64(v), true, nil
	default:
		x, err := asInt64(v)
		if err != nil {
			return nil, false, err
		}
		w.bytes += 1 + varintLen(x)
		c, changed = x, true
	}
	if w.bytes > ValuesBytesMax {
		return nil, false, fmt.Errorf("%w: encoding over %d bytes", ErrTooLarge, ValuesBytesMax)
	}
	return c, changed, nil
}

// list converts a list whose elements sit at depth depth, copying it only
// when an element changes.
func (w *canonWalk) list(list []any, depth int) (c any, changed bool, err error) {
	if depth > ListDepthMax {
		return nil, false, fmt.Errorf("%w: lists nested deeper than %d", ErrTooLarge, ListDepthMax)
	}
	if len(list) > ValuesMax {
		return nil, false, fmt.Errorf("%w: list of %d elements (max %d)", ErrTooLarge, len(list), ValuesMax)
	}
	w.bytes += 1 + uvarintLen(uint64(len(list)))
	var out []any // nil until an element changes
	for i, v := range list {
		ce, ch, err := w.value(v, depth)
		if err != nil {
			return nil, false, fmt.Errorf("element %d: %w", i, err)
		}
		if ch {
			if out == nil {
				out = slices.Clone(list)
			}
			out[i] = ce
		}
	}
	if out == nil {
		return nil, false, nil
	}
	return out, true, nil
}

// asInt64 converts an integer of another width, one that fits int64; any
// other value is ErrUnsupported.
func asInt64(v any) (int64, error) {
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), nil
		}
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), nil
		}
	default:
		return 0, fmt.Errorf("%w %T", ErrUnsupported, v)
	}
	return 0, fmt.Errorf("%w %T: %v is above the int64 range", ErrUnsupported, v, v)
}

// varintLen is the length of x as a zigzag varint.
func varintLen(x int64) int { return uvarintLen(uint64(x<<1) ^ uint64(x>>63)) }

// uvarintLen is the length of x as a uvarint.
func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }
