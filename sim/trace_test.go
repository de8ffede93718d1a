package sim

import (
	"bytes"
	"testing"

	"github.com/squall/squall/core"
)

// TestTracePayloadsMixedWhole: for every event and effect that carries bytes,
// two values that print the same trace line (their payloads differ only past
// the 48 bytes core prints) leave different hashes.
func TestTracePayloadsMixedWhole(t *testing.T) {
	p := func(last byte) []byte {
		b := bytes.Repeat([]byte("d"), 77) // not a multiple of 8: the tail counts too
		b[76] = last
		return b
	}
	x, y := p('x'), p('y')
	events := []struct {
		name string
		a, b core.Event
	}{
		{"recv", core.Recv{From: "a", Payload: x}, core.Recv{From: "a", Payload: y}},
		{"coord-result data", core.CoordResult{Op: 1, Reply: core.Reply{Data: x}},
			core.CoordResult{Op: 1, Reply: core.Reply{Data: y}}},
		{"coord-result multi", core.CoordResult{Op: 1, Reply: core.Reply{Multi: []core.Reply{{}, {Data: x}}}},
			core.CoordResult{Op: 1, Reply: core.Reply{Multi: []core.Reply{{}, {Data: y}}}}},
		{"restored key", core.Restored{Entries: []core.KV{{Key: x, Value: x}}},
			core.Restored{Entries: []core.KV{{Key: y, Value: x}}}},
		{"restored value", core.Restored{Entries: []core.KV{{Key: x, Value: x}}},
			core.Restored{Entries: []core.KV{{Key: x, Value: y}}}},
	}
	for _, tt := range events {
		if tt.a.String() != tt.b.String() {
			t.Fatalf("%s: the lines differ (%q, %q); want a pair that prints the same", tt.name, tt.a, tt.b)
		}
		ha, hb := newTrace(nil, nil), newTrace(nil, nil)
		ha.recordEvent(1, "n", tt.a)
		hb.recordEvent(1, "n", tt.b)
		if ha.hash == hb.hash {
			t.Errorf("%s: got the same hash %#x for payloads differing at byte 76, want different", tt.name, ha.hash)
		}
	}
	effects := []struct {
		name string
		a, b core.Effect
	}{
		{"send", core.Send{To: "b", Payload: x}, core.Send{To: "b", Payload: y}},
		{"persist key", core.Persist{Op: 1, Key: x, Value: x}, core.Persist{Op: 1, Key: y, Value: x}},
		{"persist value", core.Persist{Op: 1, Key: x, Value: x}, core.Persist{Op: 1, Key: x, Value: y}},
		{"create", core.Coord{Op: 1, Req: core.Create{Path: "/p", Data: x}},
			core.Coord{Op: 1, Req: core.Create{Path: "/p", Data: y}}},
		{"set", core.Coord{Op: 1, Req: core.SetData{Path: "/p", Data: x}},
			core.Coord{Op: 1, Req: core.SetData{Path: "/p", Data: y}}},
		{"multi", core.Coord{Op: 1, Req: core.Multi{Ops: []core.Request{core.Check{Path: "/p"}, core.SetData{Path: "/p", Data: x}}}},
			core.Coord{Op: 1, Req: core.Multi{Ops: []core.Request{core.Check{Path: "/p"}, core.SetData{Path: "/p", Data: y}}}}},
	}
	for _, tt := range effects {
		if tt.a.String() != tt.b.String() {
			t.Fatalf("%s: the lines differ (%q, %q); want a pair that prints the same", tt.name, tt.a, tt.b)
		}
		ha, hb := newTrace(nil, nil), newTrace(nil, nil)
		ha.recordEffect(1, "n", "effect", tt.a)
		hb.recordEffect(1, "n", "effect", tt.b)
		if ha.hash == hb.hash {
			t.Errorf("%s: got the same hash %#x for payloads differing at byte 76, want different", tt.name, ha.hash)
		}
	}
}

// TestTraceMixBytesSeparates: a payload's length is mixed in, so moving bytes
// between adjacent payloads, or dropping trailing zeros, changes the hash;
// and two high-bit flips in different words do not cancel.
func TestTraceMixBytesSeparates(t *testing.T) {
	hashOf := func(payloads ...[]byte) uint64 {
		tr := newTrace(nil, nil)
		for _, p := range payloads {
			tr.mixBytes(p)
		}
		return tr.hash
	}
	word := func(flips ...int) []byte {
		b := make([]byte, 32)
		for _, i := range flips {
			b[i] ^= 0x80
		}
		return b
	}
	pairs := []struct {
		name string
		a, b uint64
	}{
		{"split point", hashOf([]byte("ab"), []byte("c")), hashOf([]byte("a"), []byte("bc"))},
		{"trailing zero", hashOf([]byte("a")), hashOf([]byte("a\x00"))},
		{"empty", hashOf(nil), hashOf()},
		{"two high-bit flips", hashOf(word()), hashOf(word(7, 15))},
	}
	for _, p := range pairs {
		if p.a == p.b {
			t.Errorf("%s: got the same hash %#x for different inputs, want different", p.name, p.a)
		}
	}
}
