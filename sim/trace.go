package sim

import (
	"bufio"
	"io"
	"strconv"

	"github.com/squall/squall/core"
)

// FNV-1a 64-bit parameters.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// trace is the run's record: every event is one line, and a running FNV-1a hash
// of each line's fields (time, who, what, detail, each followed by a separator
// byte) is the trace hash. Lines are only formatted as text when a writer
// is attached; the hash is computed over the same fields either way, so the hash
// does not depend on whether the trace is written.
type trace struct {
	hash  uint64
	lines uint64
	w     *bufio.Writer // nil: hash only
	buf   []byte
	obs   func(Record)
}

func newTrace(w io.Writer, obs func(Record)) *trace {
	t := &trace{hash: fnvOffset64, obs: obs}
	if w != nil {
		t.w = bufio.NewWriterSize(w, 64<<10)
	}
	return t
}

func (t *trace) mixUint(v uint64) {
	h := t.hash
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= fnvPrime64
		v >>= 8
	}
	t.hash = h
}

func (t *trace) mixString(s string) {
	h := t.hash
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	t.hash = h
}

// mixSep separates fields, so that ("ab","c") and ("a","bc") hash apart.
func (t *trace) mixSep() {
	t.hash ^= 0xff
	t.hash *= fnvPrime64
}

// record adds one line: "<time> <who> <what> <detail>".
func (t *trace) record(now core.Time, who string, what string, detail string) {
	t.lines++
	t.mixUint(uint64(now))
	t.mixString(who)
	t.mixSep()
	t.mixString(what)
	t.mixSep()
	t.mixString(detail)
	t.mixSep()
	if t.obs != nil {
		t.obs(Record{At: now, Who: who, What: what, Detail: detail})
	}
	if t.w == nil {
		return
	}
	b := t.buf[:0]
	b = strconv.AppendInt(b, int64(now), 10)
	b = append(b, ' ')
	b = append(b, who...)
	b = append(b, ' ')
	b = append(b, what...)
	if detail != "" {
		b = append(b, ' ')
		b = append(b, detail...)
	}
	b = append(b, '\n')
	t.w.Write(b)
	t.buf = b
}

func (t *trace) flush() error {
	if t.w == nil {
		return nil
	}
	return t.w.Flush()
}
