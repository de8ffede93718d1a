package zkmodel

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

// randomPaths is a small namespace, so random operations collide often.
var randomPaths = []string{"/a", "/a/b", "/a/c", "/a/b/d", "/b", "/b/x", "/a/s-", "/b/"}

func randomWrite(rng *rand.Rand) core.Request {
	path := randomPaths[rng.IntN(len(randomPaths))]
	version := int32(rng.IntN(3)) - 1
	switch rng.IntN(4) {
	case 0:
		return core.Create{Path: path, Data: []byte(path), Mode: core.CreateMode(rng.IntN(4))}
	case 1:
		return core.Delete{Path: path, Version: version}
	case 2:
		return core.SetData{Path: path, Data: []byte{byte(rng.IntN(256))}, Version: version}
	}
	return core.Check{Path: path, Version: version}
}

func randomRequest(rng *rand.Rand) core.Request {
	path := randomPaths[rng.IntN(len(randomPaths))]
	watch := rng.IntN(2) == 0
	switch rng.IntN(8) {
	case 0:
		return core.GetData{Path: path, Watch: watch}
	case 1:
		return core.Exists{Path: path, Watch: watch}
	case 2:
		return core.Children{Path: path, Watch: watch}
	case 3:
		ops := make([]core.Request, rng.IntN(5))
		for i := range ops {
			ops[i] = randomWrite(rng)
		}
		return core.Multi{Ops: ops}
	}
	return randomWrite(rng)
}

func isWrite(req core.Request) bool {
	switch req.(type) {
	case core.Create, core.Delete, core.SetData, core.Multi:
		return true
	}
	return false
}

// runRandom applies steps random requests and session events from seed,
// checking the invariants and the transaction rules after each, and returns a
// transcript of everything observable.
func runRandom(t *testing.T, seed uint64, steps int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0))
	f := newFixture()
	var out strings.Builder
	ids := make([]core.SessionID, 3)
	for i := range ids {
		ids[i] = f.open()
	}
	for step := range steps {
		slot := rng.IntN(len(ids))
		switch rng.IntN(20) {
		case 0:
			f.s.Expire(ids[slot])
			ids[slot] = f.open()
			fmt.Fprintf(&out, "expire %d\n", slot)
		case 1:
			f.now = f.now.Add(time.Duration(rng.IntN(12)) * time.Second)
			fmt.Fprintf(&out, "expire-due %v\n", f.s.ExpireDue(f.now))
			for i, id := range ids {
				if !f.s.Alive(id) {
					ids[i] = f.open()
				}
			}
		default:
			req := randomRequest(rng)
			var before string
			if isWrite(req) {
				before = dump(f.s)
			}
			zxid := f.s.Zxid()
			r := f.s.Apply(ids[slot], f.tick(), req)
			fmt.Fprintf(&out, "%d %s -> %s\n", slot, req, r)
			checkRandomStep(t, f.s, step, req, r, before, zxid)
		}
		checkInvariants(t, f.s)
		for _, n := range f.s.TakeNotifications() {
			fmt.Fprintf(&out, "%s\n", n)
		}
	}
	return out.String()
}

func checkRandomStep(t *testing.T, s *Server, step int, req core.Request, r core.Reply, before string, zxid int64) {
	t.Helper()
	wantZxid := zxid
	if isWrite(req) && r.Code == core.CodeOK {
		wantZxid++
	}
	if got := s.Zxid(); got != wantZxid {
		t.Fatalf("step %d %s -> %s: zxid got %d, want %d", step, req, r, got, wantZxid)
	}
	if isWrite(req) && r.Code != core.CodeOK {
		if after := dump(s); after != before {
			t.Fatalf("step %d %s -> %s changed the state:\n got %s\nwant %s", step, req, r, after, before)
		}
	}
}

func TestRandomOperations(t *testing.T) {
	for seed := range uint64(20) {
		runRandom(t, seed, 1000)
	}
}

func TestRandomDeterminism(t *testing.T) {
	const seed = 7
	first, second := runRandom(t, seed, 1000), runRandom(t, seed, 1000)
	if first != second {
		t.Fatalf("seed %d: two runs differ", seed)
	}
	if !strings.Contains(first, "notify") || !strings.Contains(first, "ops=[") {
		t.Fatalf("seed %d: transcript has no notification or no multi; the generator is too weak", seed)
	}
}

func BenchmarkApplySetData(b *testing.B) {
	s := New()
	id := s.OpenSession(0, time.Second)
	s.Apply(id, 0, core.Create{Path: "/bench"})
	req := core.SetData{Path: "/bench", Data: []byte("0123456789"), Version: core.AnyVersion}
	b.ReportAllocs()
	for b.Loop() {
		s.Apply(id, 0, req)
	}
}

func BenchmarkApplyGetDataWatch(b *testing.B) {
	s := New()
	id := s.OpenSession(0, time.Second)
	s.Apply(id, 0, core.Create{Path: "/bench", Data: []byte("0123456789")})
	get := core.GetData{Path: "/bench", Watch: true}
	set := core.SetData{Path: "/bench", Data: []byte("0123456789"), Version: core.AnyVersion}
	b.ReportAllocs()
	for b.Loop() {
		s.Apply(id, 0, get)
		s.Apply(id, 0, set)
		s.TakeNotifications()
	}
}
