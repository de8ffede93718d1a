package storage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// Disk is one simulated node's disk: an in-memory file system that remembers
// what was synced, so it can crash, and that can inject I/O errors.
//
// Open a Store on d.FS(). To crash the node, call d.Crash and then Close the
// old Store (in that order, the crash models a power cut at the moment of
// Crash; pebble's writes during Close land on the old file system and are
// lost), and Open a new Store on d.FS(). Data synced before Crash always
// survives; data not yet synced survives in part (see Crash).
//
// A Disk is safe for concurrent use, though a simulator drives it from one
// goroutine.
type Disk struct {
	mu  sync.Mutex
	mem *vfs.MemFS
	inj *Injector
}

// NewDisk returns an empty disk with no faults.
func NewDisk() *Disk {
	return &Disk{mem: vfs.NewCrashableMem(), inj: newInjector()}
}

// FS returns the disk's current file system, wrapped by its fault injector. A
// Store must be opened on this FS itself, not on a wrapper of it, to learn of
// fail-stop faults. After Crash, FS returns the new file system; one returned
// before keeps pointing at the old one.
func (d *Disk) FS() vfs.FS {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &diskFS{FS: errorfs.Wrap(d.mem, d.inj), inj: d.inj}
}

// Crash replaces the file system with what a power cut now could leave. It
// draws from rng the chance, lossPercent in [0, 100], that each unsynced data
// block (4 KiB) or directory entry is lost, then draws each loss, so the
// outcome is fixed by rng's state. Everything synced survives. Faults stay as
// they were.
//
// Pebble's own vfs.MemFS.CrashClone draws its losses while ranging over Go
// maps, so the same seed can give different disks; Crash takes pebble's clone of
// the current and of the synced state and draws over them in sorted order.
func (d *Disk) Crash(rng *rand.Rand) (lossPercent int) {
	lossPercent = rng.IntN(101)
	cloneRNG := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mem = crashClone(d.mem, 100-lossPercent, cloneRNG)
	return lossPercent
}

// InjectErrors starts failing I/O operations as f says, replacing any faults
// injected before. Probabilities outside [0, 1] are a programmer error.
func (d *Disk) InjectErrors(f Faults) {
	if !f.valid() {
		panic(fmt.Sprintf("storage: InjectErrors: probabilities outside [0, 1]: %s", f))
	}
	d.inj.set(&f)
}

// StopErrors stops injecting I/O errors. A Store that failed stays failed;
// reopen it.
func (d *Disk) StopErrors() {
	d.inj.set(nil)
}

// Injector returns the disk's fault injector, to print its config or count
// its faults.
func (d *Disk) Injector() *Injector {
	return d.inj
}

// diskFS is the FS a Disk hands out: errorfs over the MemFS, plus the
// fail-stop count a Store checks.
type diskFS struct {
	*errorfs.FS
	inj *Injector
}

// List lists dir in sorted order. MemFS lists in Go map order, which would
// make pebble open a store's files in a different order on every run.
func (fs *diskFS) List(dir string) ([]string, error) {
	names, err := fs.FS.List(dir)
	slices.Sort(names)
	return names, err
}

func (fs *diskFS) failStops() (uint64, error) {
	return fs.inj.failStops()
}
