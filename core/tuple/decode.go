package tuple

import (
	"encoding/binary"
)

// DecodeValues decodes one tuple's values from the start of src and returns
// them with the number of bytes consumed. It reuses dst's backing array when
// it is large enough, so a caller that decodes tuple after tuple into the same
// slice allocates only for the values themselves; the previous contents of
// dst are overwritten. Decoded []byte values are copies: nothing returned
// aliases src. Ints decode as int64, an empty []byte as []byte{} and an empty
// list as []any{}. Errors are *DecodeError.
func DecodeValues(src []byte, dst []any) (vals []any, n int, err error) {
	return (*Decoder)(nil).DecodeValues(src, dst)
}

// DecodeValues is the package function DecodeValues using d's string table and chunks.
func (d *Decoder) DecodeValues(src []byte, dst []any) (vals []any, n int, err error) {
	r := reader{src: src, in: d}
	vals, err = r.values(dst)
	if err != nil {
		return dst[:0], 0, err
	}
	return vals, r.off, nil
}

// reader decodes from src, which ends where reading must stop (a frame's end
// inside a batch), starting at off. Offsets in errors are offsets in src, so
// a frame's errors point into the whole batch.
type reader struct {
	src   []byte
	off   int
	in    *Decoder    // nil: no interning
	batch *batchShare // nil: not decoding a batch
}

func (r *reader) fail(at int, err error, what string) error {
	return &DecodeError{Offset: at, Err: err, What: what}
}

func (r *reader) uvarint(what string) (uint64, error) {
	if r.off < len(r.src) && r.src[r.off] < 0x80 {
		r.off++
		return uint64(r.src[r.off-1]), nil
	}
	x, n := binary.Uvarint(r.src[r.off:])
	if n == 0 {
		return 0, r.fail(r.off, ErrTruncated, what)
	}
	if n < 0 {
		return 0, r.fail(r.off, ErrCorrupt, what+": varint overflows 64 bits")
	}
	r.off += n
	return x, nil
}

func (r *reader) varint(what string) (int64, error) {
	x, n := binary.Varint(r.src[r.off:])
	if n == 0 {
		return 0, r.fail(r.off, ErrTruncated, what)
	}
	if n < 0 {
		return 0, r.fail(r.off, ErrCorrupt, what+": varint overflows 64 bits")
	}
	r.off += n
	return x, nil
}

func (r *reader) fixed64(what string) (uint64, error) {
	if len(r.src)-r.off < 8 {
		return 0, r.fail(r.off, ErrTruncated, what)
	}
	x := binary.LittleEndian.Uint64(r.src[r.off:])
	r.off += 8
	return x, nil
}

// count reads a count of items that take at least itemBytesMin bytes each.
// Checking the count against the bytes left before allocating stops a short
// input from claiming a huge count.
func (r *reader) count(what string, countMax, itemBytesMin int) (int, error) {
	at := r.off
	x, err := r.uvarint(what)
	if err != nil {
		return 0, err
	}
	if x > uint64(countMax) {
		return 0, r.fail(at, ErrTooLarge, what)
	}
	if int(x)*itemBytesMin > len(r.src)-r.off {
		return 0, r.fail(at, ErrTruncated, what)
	}
	return int(x), nil
}

// bytes reads a length-prefixed byte string of at most lenMax bytes. The
// result aliases src.
func (r *reader) bytes(what string, lenMax int) ([]byte, error) {
	n, err := r.count(what, lenMax, 1)
	if err != nil {
		return nil, err
	}
	b := r.src[r.off : r.off+n : r.off+n]
	r.off += n
	return b, nil
}

// values reads a tuple's values into dst's backing array when it fits.
func (r *reader) values(dst []any) ([]any, error) {
	start := r.off
	n, err := r.count("value count", ValuesMax, 1)
	if err != nil {
		return nil, err
	}
	vals := dst[:0]
	switch {
	case cap(vals) >= n:
		vals = vals[:n]
		if len(dst) > n {
			clear(dst[n:]) // let the previous tuple's values be collected
		}
	case r.batch != nil:
		vals = r.batch.newValues(n)
	default:
		vals = make([]any, n)
	}
	for i := range vals {
		if vals[i], err = r.value(0); err != nil {
			return nil, err
		}
	}
	if r.off-start > ValuesBytesMax {
		return nil, r.fail(start, ErrTooLarge, "values encoding")
	}
	return vals, nil
}

// value reads one value at list depth depth.
func (r *reader) value(depth int) (any, error) {
	if r.off >= len(r.src) {
		return nil, r.fail(r.off, ErrTruncated, "value tag")
	}
	tag := r.src[r.off]
	r.off++
	switch tag {
	case tagNil:
		return nil, nil
	case tagFalse:
		return false, nil
	case tagTrue:
		return true, nil
	case tagInt:
		if r.off < len(r.src) && r.src[r.off] < 0x80 { // one byte: -64..63
			u := uint64(r.src[r.off])
			r.off++
			return r.in.int64(int64(u>>1) ^ -int64(u&1)), nil
		}
		if r.off+1 < len(r.src) && r.src[r.off+1] < 0x80 { // two bytes
			u := uint64(r.src[r.off]&0x7f) | uint64(r.src[r.off+1])<<7
			r.off += 2
			return r.in.int64(int64(u>>1) ^ -int64(u&1)), nil
		}
		if r.off+2 < len(r.src) && r.src[r.off+2] < 0x80 { // three bytes
			u := uint64(r.src[r.off]&0x7f) | uint64(r.src[r.off+1]&0x7f)<<7 | uint64(r.src[r.off+2])<<14
			r.off += 3
			return r.in.int64(int64(u>>1) ^ -int64(u&1)), nil
		}
		v, err := r.varint("int")
		if err != nil {
			return nil, err
		}
		return r.in.int64(v), nil
	case tagFloat:
		bits, err := r.fixed64("float")
		if err != nil {
			return nil, err
		}
		return r.in.float64(bits), nil
	case tagStr:
		b, err := r.bytes("string length", BytesMax)
		if err != nil {
			return nil, err
		}
		return r.in.str(b), nil
	case tagBytes:
		b, err := r.bytes("bytes length", BytesMax)
		if err != nil {
			return nil, err
		}
		return r.in.boxBytes(r.in.bytes(b)), nil
	case tagList:
		return r.list(depth + 1)
	}
	return nil, r.fail(r.off-1, ErrCorrupt, "unknown value tag")
}

// list reads a list whose elements sit at depth depth.
func (r *reader) list(depth int) (any, error) {
	if depth > ListDepthMax {
		return nil, r.fail(r.off-1, ErrTooLarge, "list nesting")
	}
	n, err := r.count("list count", ValuesMax, 1)
	if err != nil {
		return nil, err
	}
	list := make([]any, n)
	for i := range list {
		if list[i], err = r.value(depth); err != nil {
			return nil, err
		}
	}
	return list, nil
}
