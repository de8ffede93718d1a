package sim

import (
	"bufio"
	"encoding/binary"
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
//
// A line's detail abbreviates payloads (core prints at most 48 bytes of each),
// so the lines of events and effects are recorded with recordEvent and
// recordEffect, which also mix every payload byte into the hash: two runs whose
// messages, store writes or znode data differ past byte 48 hash apart.
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

// recordEvent records a machine's event ("event", or "tick" for a Tick) and
// mixes its payloads in whole.
func (t *trace) recordEvent(now core.Time, who string, ev core.Event) {
	if _, ok := ev.(core.Tick); ok {
		t.record(now, who, "tick", "")
		return
	}
	t.record(now, who, "event", ev.String())
	switch ev := ev.(type) {
	case core.Recv:
		t.mixBytes(ev.Payload)
	case core.CoordResult:
		t.mixReply(ev.Reply)
	case core.Restored:
		for _, kv := range ev.Entries {
			t.mixBytes(kv.Key)
			t.mixBytes(kv.Value)
		}
	}
}

// recordEffect records a machine's effect under what ("effect", or the name
// of what befell it, such as a lost reply) and mixes its payloads in whole.
func (t *trace) recordEffect(now core.Time, who string, what string, e core.Effect) {
	t.record(now, who, what, e.String())
	switch e := e.(type) {
	case core.Send:
		t.mixBytes(e.Payload)
	case core.Persist:
		t.mixBytes(e.Key)
		t.mixBytes(e.Value)
	case core.Coord:
		t.mixRequest(e.Req)
	}
}

func (t *trace) mixRequest(r core.Request) {
	switch r := r.(type) {
	case core.Create:
		t.mixBytes(r.Data)
	case core.SetData:
		t.mixBytes(r.Data)
	case core.Multi:
		for _, op := range r.Ops {
			t.mixRequest(op)
		}
	}
}

func (t *trace) mixReply(r core.Reply) {
	t.mixBytes(r.Data)
	for _, m := range r.Multi {
		t.mixReply(m)
	}
}

// mixBytes mixes a payload's length, then its bytes eight at a time. Each
// step (xor a word, multiply by the FNV prime, xor-shift) is a bijection of
// the running hash, so payloads that differ in one word always hash apart;
// the shift carries a word's high bits down, so that flips in two words do
// not cancel as they would under multiplication alone. Data-plane batches
// make payloads the bulk of a trace's bytes: a word per step keeps hashing
// them cheap.
func (t *trace) mixBytes(b []byte) {
	h := t.hash
	h = payloadStep(h, uint64(len(b)))
	for len(b) >= 8 {
		h = payloadStep(h, binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	if len(b) > 0 {
		var tail [8]byte
		copy(tail[:], b)
		h = payloadStep(h, binary.LittleEndian.Uint64(tail[:]))
	}
	t.hash = h
}

func payloadStep(h, w uint64) uint64 {
	h ^= w
	h *= fnvPrime64
	return h ^ h>>32
}

func (t *trace) flush() error {
	if t.w == nil {
		return nil
	}
	return t.w.Flush()
}
