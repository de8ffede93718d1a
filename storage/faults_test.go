package storage

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

func TestInjectWriteErrors(t *testing.T) {
	d := NewDisk()
	s := openT(t, d.FS(), Options{})
	if err := s.Set([]byte("a"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	faults := Faults{WriteProbability: 1, Seed: 7}
	d.InjectErrors(faults)
	err := s.Set([]byte("b"), []byte("2"))
	if !errors.Is(err, ErrFailed) || !errors.Is(err, ErrInjected) || !strings.Contains(err.Error(), faults.String()) {
		t.Fatalf("Set with writes failing: got error %v, want ErrFailed and ErrInjected naming %s", err, faults)
	}
	if _, _, err := s.Get([]byte("a")); !errors.Is(err, ErrFailed) {
		t.Errorf("Get on the failed store: got error %v, want ErrFailed", err)
	}

	d.StopErrors()
	if err := s.Close(); err != nil {
		t.Errorf("Close of the failed store: got error %v, want nil", err)
	}
	s = openT(t, d.FS(), Options{})
	defer closeT(t, s)
	if v, ok, err := s.Get([]byte("a")); string(v) != "1" || !ok || err != nil {
		t.Errorf("Get(a) after reopening: got %q, %v, %v; want %q, true, nil", v, ok, err, "1")
	}
	if err := s.Set([]byte("c"), []byte("3")); err != nil {
		t.Errorf("Set after StopErrors and reopening: got error %v, want nil", err)
	}
	if _, failStops := d.Injector().Counts(); failStops == 0 {
		t.Errorf("fail-stop faults: got 0, want some")
	}
}

// TestInjectReadErrors: a read error is returned and leaves the store
// healthy; once errors stop, the same read works without reopening.
func TestInjectReadErrors(t *testing.T) {
	d := NewDisk()
	s := openT(t, d.FS(), smallTables)
	writeRounds(t, s, 20, 100)
	closeT(t, s)

	d.InjectErrors(Faults{ReadProbability: 1, Seed: 3})
	if _, err := Open(d.FS(), "/node/db", smallTables); !errors.Is(err, ErrInjected) {
		t.Fatalf("Open with reads failing: got error %v, want ErrInjected", err)
	}
	d.StopErrors()
	s = openT(t, d.FS(), smallTables)
	defer closeT(t, s)

	d.InjectErrors(Faults{ReadProbability: 1, Seed: 3})
	key := []byte("key/0005") // flushed to an sstable long ago, and not read yet
	if _, _, err := s.Get(key); !errors.Is(err, ErrInjected) || errors.Is(err, ErrFailed) {
		t.Fatalf("Get with reads failing: got error %v, want ErrInjected and not ErrFailed", err)
	}
	if err := s.Scan(nil, func(k, v []byte) error { return nil }); !errors.Is(err, ErrInjected) {
		t.Errorf("Scan with reads failing: got error %v, want ErrInjected", err)
	}
	d.StopErrors()
	if v, ok, err := s.Get(key); len(v) == 0 || !ok || err != nil {
		t.Errorf("Get after StopErrors: got %q, %v, %v; want a value, true, nil", v, ok, err)
	}
}

// TestFaultStress runs random operations, crashes and reopens under random
// faults, for many seeds. Nothing may panic or hang; every error must come
// from a fault; and at the end, with faults stopped, every key holds its last
// acknowledged value or the value of a later write that failed (a failed
// write may or may not have happened).
func TestFaultStress(t *testing.T) {
	runFaultStress(t, 0, 30, 0.05, 0.02)
}

// runFaultStress runs seeds [first, end), each with fault probabilities drawn
// up to writeMax and readMax.
func runFaultStress(t *testing.T, first, end uint64, writeMax, readMax float64) {
	const steps, keys = 300, 40
	for seed := first; seed < end; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		d := NewDisk()
		faults := Faults{WriteProbability: rng.Float64() * writeMax, ReadProbability: rng.Float64() * readMax, Seed: rng.Uint64()}
		d.InjectErrors(faults)
		st := stress{t: t, name: fmt.Sprintf("seed %d %s", seed, faults), possible: map[string][]string{}}
		var s *Store
		for step := range steps {
			if s == nil {
				var err error
				if s, err = Open(d.FS(), "/node/db", smallTables); err != nil {
					st.check("open", err)
					continue
				}
			}
			key := fmt.Sprintf("k%02d", rng.IntN(keys))
			value := fmt.Sprintf("v%d", step)
			var err error
			switch op := rng.IntN(20); {
			case op < 10:
				err = s.Set([]byte(key), []byte(value))
				st.wrote(key, value, err)
			case op < 13:
				err = s.Delete([]byte(key))
				st.wrote(key, absent, err)
			case op < 15:
				other := fmt.Sprintf("k%02d", rng.IntN(keys))
				// Later ops win: when other is key, the key ends up deleted.
				err = s.Apply([]Op{{Key: []byte(key), Value: []byte(value)}, {Key: []byte(other)}})
				st.wrote(key, value, err)
				st.wrote(other, absent, err)
			case op < 19:
				v, ok, err := s.Get([]byte(key))
				st.check("get", err)
				if err == nil {
					st.read(key, v, ok)
				}
			default:
				d.Crash(rng)
				_ = s.Close()
				s = nil
				continue
			}
			if errors.Is(err, ErrFailed) {
				if err := s.Close(); err != nil {
					t.Fatalf("%s: Close of a failed store: got error %v, want nil", st.name, err)
				}
				s = nil
			}
		}
		if s != nil {
			_ = s.Close()
		}
		d.StopErrors()
		s = openT(t, d.FS(), smallTables)
		for k := range keys {
			key := fmt.Sprintf("k%02d", k)
			v, ok, err := s.Get([]byte(key))
			if err != nil {
				t.Fatalf("%s: final Get(%s): got error %v, want nil", st.name, key, err)
			}
			st.read(key, v, ok)
		}
		closeT(t, s)
	}
}

const absent = "<absent>"

// stress tracks, per key, the values it may hold: the last acknowledged one
// and those of failed writes after it.
type stress struct {
	t        *testing.T
	name     string
	possible map[string][]string
}

func (st *stress) wrote(key, value string, err error) {
	st.check("write", err)
	if err == nil {
		st.possible[key] = []string{value}
		return
	}
	if len(st.possible[key]) == 0 {
		st.possible[key] = []string{absent} // never written
	}
	st.possible[key] = append(st.possible[key], value)
}

func (st *stress) read(key string, v []byte, ok bool) {
	got := absent
	if ok {
		got = string(v)
	}
	want := st.possible[key]
	if len(want) == 0 {
		want = []string{absent} // never written
	}
	if !slices.Contains(want, got) {
		st.t.Fatalf("%s: %s holds %q, want one of %q", st.name, key, got, want)
	}
}

func (st *stress) check(op string, err error) {
	if err != nil && !errors.Is(err, ErrInjected) && !errors.Is(err, ErrFailed) {
		st.t.Fatalf("%s: %s: got error %v, want nil or an injected fault", st.name, op, err)
	}
}

// TestInjectorDraws: a draw depends on the seed, the path, the kind and how
// many such operations the path saw, not on operations on other paths.
func TestInjectorDraws(t *testing.T) {
	faults := Faults{WriteProbability: 0.5, ReadProbability: 0.5, Seed: 11}
	ops := func(path string) []errorfs.Op {
		var ops []errorfs.Op
		for range 20 {
			ops = append(ops, errorfs.Op{Kind: errorfs.OpFileWrite, Path: path},
				errorfs.Op{Kind: errorfs.OpFileReadAt, Path: path})
		}
		return ops
	}
	decide := func(inj *Injector, ops []errorfs.Op) map[string][]bool {
		got := map[string][]bool{}
		for _, op := range ops {
			err := inj.MaybeError(op)
			got[op.Path] = append(got[op.Path], err != nil)
		}
		return got
	}
	a, b := ops("/db/000001.sst"), ops("/db/000002.sst")
	sequential := append(slices.Clone(a), b...)
	var interleaved []errorfs.Op
	for i := range a {
		interleaved = append(interleaved, b[i], a[i])
	}
	newInj := func(f Faults) *Injector {
		inj := newInjector()
		inj.set(&f)
		return inj
	}
	first := decide(newInj(faults), sequential)
	if got := decide(newInj(faults), interleaved); fmt.Sprint(got) != fmt.Sprint(first) {
		t.Errorf("interleaved: got %v, want %v", got, first)
	}
	failures := 0
	for _, d := range first["/db/000001.sst"] {
		failures += boolToInt(d)
	}
	if failures == 0 || failures == len(a) {
		t.Errorf("p=0.5: got %d failures in %d ops, want some but not all", failures, len(a))
	}
	faults.Seed++
	if got := decide(newInj(faults), sequential); fmt.Sprint(got) == fmt.Sprint(first) {
		t.Errorf("another seed: got the same draws %v", got)
	}
}

func TestInjectorClasses(t *testing.T) {
	const (
		returned = "returned"
		failStop = "fail-stop"
		never    = "never"
	)
	tests := []struct {
		op   errorfs.Op
		want string
	}{
		{errorfs.Op{Kind: errorfs.OpFileSyncData, Path: "/db/000004.log"}, failStop},
		{errorfs.Op{Kind: errorfs.OpFileSync, Path: "/db/000004.log"}, failStop},
		{errorfs.Op{Kind: errorfs.OpFileWrite, Path: "/db/000004.log"}, never},
		{errorfs.Op{Kind: errorfs.OpCreate, Path: "/db/000004.log"}, never},
		{errorfs.Op{Kind: errorfs.OpFileWrite, Path: "/db/MANIFEST-000005"}, never},
		{errorfs.Op{Kind: errorfs.OpCreate, Path: "/db/marker.manifest.000002.MANIFEST-000005"}, never},
		{errorfs.Op{Kind: errorfs.OpCreate, Path: "/db/temporary.000003.dbtmp"}, never},
		{errorfs.Op{Kind: errorfs.OpFileSync, Path: "/db"}, never},
		{errorfs.Op{Kind: errorfs.OpList, Path: "/db"}, never},
		{errorfs.Op{Kind: errorfs.OpFileWrite, Path: "/db/000007.sst"}, returned},
		{errorfs.Op{Kind: errorfs.OpFileSync, Path: "/db/000007.blob"}, returned},
		{errorfs.Op{Kind: errorfs.OpRemove, Path: "/db/MANIFEST-000001"}, returned},
		{errorfs.Op{Kind: errorfs.OpFileReadAt, Path: "/db/000004.log"}, returned},
		{errorfs.Op{Kind: errorfs.OpOpen, Path: "/db/MANIFEST-000005"}, returned},
	}
	for _, tt := range tests {
		inj := newInjector()
		f := Faults{WriteProbability: 1, ReadProbability: 1, Seed: 1}
		inj.set(&f)
		err := inj.MaybeError(tt.op)
		n, failStops := inj.Counts()
		got := never
		switch {
		case err != nil && n == 1:
			got = returned
		case err == nil && failStops == 1:
			got = failStop
		}
		if got != tt.want {
			t.Errorf("%s %s: got %s (error %v, counts %d, %d), want %s",
				opKindName(tt.op.Kind), tt.op.Path, got, err, n, failStops, tt.want)
		}
	}
}

func TestFaultError(t *testing.T) {
	f := Faults{WriteProbability: 0.25, ReadProbability: 0.5, Seed: 9}
	inj := newInjector()
	inj.set(&f)
	var err error
	for n := 0; err == nil; n++ {
		assert(n < 100, "no fault in 100 reads at p=0.5")
		err = inj.MaybeError(errorfs.Op{Kind: errorfs.OpFileReadAt, Path: "/db/000009.sst"})
	}
	want := "storage: injected I/O error: readat /db/000009.sst (#"
	if !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), ") under faults{write=0.25 read=0.5 seed=9}") {
		t.Errorf("message: got %q, want %q...%q", err, want, ") under faults{write=0.25 read=0.5 seed=9}")
	}
	if !errors.Is(err, ErrInjected) || !errors.Is(err, errorfs.ErrInjected) {
		t.Errorf("errors.Is(%v, ErrInjected and errorfs.ErrInjected): got false, want true", err)
	}
	if got, want := inj.String(), f.String(); got != want {
		t.Errorf("Injector.String: got %q, want %q", got, want)
	}
	inj.set(nil)
	if got, want := inj.String(), "faults{off}"; got != want {
		t.Errorf("Injector.String when off: got %q, want %q", got, want)
	}
}

func TestInjectErrorsBadProbability(t *testing.T) {
	for _, f := range []Faults{{WriteProbability: 1.5}, {ReadProbability: -0.1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("InjectErrors(%s): got no panic, want one", f)
				}
			}()
			NewDisk().InjectErrors(f)
		}()
	}
}
