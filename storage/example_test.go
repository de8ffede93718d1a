package storage_test

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/squall/squall/storage"
)

// A supervisor records a worker before starting it, the node crashes, and the
// record is still there; then its disk fails a write.
func Example() {
	disk := storage.NewDisk()
	s, err := storage.Open(disk.FS(), "/supervisor-1/db", storage.Options{})
	if err != nil {
		panic(err)
	}
	if err := s.Set([]byte("worker/6700"), []byte("topology-1")); err != nil {
		panic(err)
	}

	rng := rand.New(rand.NewPCG(42, 0)) // the simulator's seed
	disk.Crash(rng)
	_ = s.Close() // the crash already happened; nothing Close writes survives
	s, err = storage.Open(disk.FS(), "/supervisor-1/db", storage.Options{})
	if err != nil {
		panic(err)
	}
	v, ok, err := s.Get([]byte("worker/6700"))
	fmt.Printf("after the crash: %s %v %v\n", v, ok, err)

	disk.InjectErrors(storage.Faults{WriteProbability: 1, Seed: 7})
	err = s.Set([]byte("worker/6701"), []byte("topology-2"))
	fmt.Println(errors.Is(err, storage.ErrFailed), errors.Is(err, storage.ErrInjected))
	fmt.Println(err)

	disk.StopErrors()
	fmt.Println(s.Close())
	// Output:
	// after the crash: topology-1 true <nil>
	// true true
	// storage: store failed (close and reopen it): storage: injected I/O error: WAL syncdata #0 (fail-stop) under faults{write=1 read=0 seed=7}
	// <nil>
}
