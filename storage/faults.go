package storage

import (
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// Faults configures the I/O errors a Disk injects. It prints itself, and every
// injected error carries it, so a failure names the fault config that made it.
type Faults struct {
	// WriteProbability is the chance, in [0, 1], that one write-class operation
	// that may fail (see Injector) fails.
	WriteProbability float64
	// ReadProbability is the chance, in [0, 1], that one read-class operation
	// (open, read, stat) fails.
	ReadProbability float64
	// Seed drives every draw (see Injector for how draws are keyed).
	Seed uint64
}

// String prints the config, e.g. "faults{write=0.05 read=0.01 seed=7}".
func (f Faults) String() string {
	return fmt.Sprintf("faults{write=%g read=%g seed=%d}", f.WriteProbability, f.ReadProbability, f.Seed)
}

func (f Faults) valid() bool {
	return f.WriteProbability >= 0 && f.WriteProbability <= 1 &&
		f.ReadProbability >= 0 && f.ReadProbability <= 1
}

// FaultError is an injected I/O error. It matches ErrInjected and pebble's
// errorfs.ErrInjected.
type FaultError struct {
	Op errorfs.Op
	// N is the operation's index among operations of its kind on its path,
	// or among WAL syncs for a fail-stop fault.
	N uint64
	// FailStop is set when the error was kept from pebble and failed the Store
	// instead (see Injector).
	FailStop bool
	Faults   Faults
}

// Error names the operation and the fault config. A fail-stop fault names the
// WAL sync by its count, not its file, whose number depends on pebble's
// background work.
func (e *FaultError) Error() string {
	if e.FailStop {
		return fmt.Sprintf("storage: injected I/O error: WAL %s #%d (fail-stop) under %s",
			opKindName(e.Op.Kind), e.N, e.Faults)
	}
	return fmt.Sprintf("storage: injected I/O error: %s %s (#%d) under %s",
		opKindName(e.Op.Kind), e.Op.Path, e.N, e.Faults)
}

// Unwrap lets errors.Is match ErrInjected and errorfs.ErrInjected.
func (e *FaultError) Unwrap() []error { return []error{ErrInjected, errorfs.ErrInjected} }

// Injector is the errorfs.Injector of a Disk. Off until the Disk's
// InjectErrors, it fails operations with the probabilities of its Faults.
//
// What a fault does depends on the operation, because pebble v2.1.7 survives
// some I/O errors and not others:
//
//	operation                              on a fault
//	read (open, read, stat) of any file    error to pebble; the Store call (Get, Scan, Open) returns it
//	write to an sstable or blob file       error to pebble, which retries the flush or compaction
//	remove of any file                     error to pebble, which retries at its next cleanup
//	sync of a write-ahead log (*.log)      fail-stop: the sync goes through, the Store fails
//	any other write, directory listing     never faulted
//
// Pebble cannot survive a failed write to its WAL, MANIFEST, marker files or
// directories: it calls Logger.Fatalf (whose default exits the process),
// panics, or, when it rotates the WAL, dies of "sync: unlock of unlocked
// mutex", a runtime error recover cannot catch. So such a fault is kept from
// pebble: the Store opened on the Disk sees it at its next check, before it
// answers the call in flight, and fails. Its caller is left as after a real
// disk error: an error, and a write whose durability it must treat as unknown
// (here the sync went through). Only WAL syncs are picked for it: each is the
// durability point of one acknowledged write, made in call order, so their
// draws are keyed by their count on the disk and repeat exactly for a seed.
// Other writes to those files run on pebble's goroutines or depend on their
// timing, and would not. Directory listings never fail because pebble.Open
// lists after it has started flushes and compactions, and on that error it
// tears down its file cache under them, which panics in a background
// goroutine ("integer divide by zero" in fileCacheKey.Shard).
//
// Other draws are keyed by path, kind and count on that path, so pebble's
// goroutines working on separate files cannot reorder them. Faults on
// pebble's background work (flushes and compactions, which start after
// MemTableBytes of writes) still depend on its timing.
type Injector struct {
	mu     sync.Mutex
	faults Faults
	on     bool
	// opsSeen counts operations per path and kind. A removed path forgets its
	// counts; past opsSeenPathsMax paths all are forgotten, which bounds memory
	// and keeps the draws a function of the operation sequence.
	opsSeen       map[string]*[opKindCount]uint64
	walSyncs      uint64 // WAL syncs since faults were set
	injected      uint64
	failStopCount uint64
	lastFailStop  error
}

// walSyncKey stands for the path in the draws of WAL syncs, which are keyed
// by their count on the disk rather than per file (see Injector).
const walSyncKey = "<wal sync>"

const (
	opKindCount     = int(errorfs.OpFileFlush) + 1
	opsSeenPathsMax = 1 << 14
)

func newInjector() *Injector {
	return &Injector{opsSeen: make(map[string]*[opKindCount]uint64)}
}

// set turns injection on with f, or off when f is nil, and restarts the
// draws.
func (inj *Injector) set(f *Faults) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.on = f != nil
	if f != nil {
		inj.faults = *f
	}
	clear(inj.opsSeen)
	inj.walSyncs = 0
}

// String prints the fault config, or "faults{off}".
func (inj *Injector) String() string {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	if !inj.on {
		return "faults{off}"
	}
	return inj.faults.String()
}

// Counts returns how many errors were returned to pebble and how many faults
// were fail-stop, since the Disk was made.
func (inj *Injector) Counts() (returned, failStops uint64) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return inj.injected, inj.failStopCount
}

// MaybeError implements errorfs.Injector.
func (inj *Injector) MaybeError(op errorfs.Op) error {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	if op.Kind == errorfs.OpRemove || op.Kind == errorfs.OpRemoveAll {
		defer delete(inj.opsSeen, op.Path)
	}
	if !inj.on {
		return nil
	}
	class := classify(op)
	p := inj.faults.WriteProbability
	if class == faultRead {
		p = inj.faults.ReadProbability
	}
	if class == faultNever || p == 0 {
		return nil
	}
	key, n := op.Path, uint64(0)
	if class == faultFailStop {
		key, n = walSyncKey, inj.walSyncs
		inj.walSyncs++
	} else {
		n = inj.countOp(op)
	}
	if draw(inj.faults.Seed, key, op.Kind, n) >= p {
		return nil
	}
	err := &FaultError{Op: op, N: n, Faults: inj.faults}
	if class == faultFailStop {
		err.FailStop = true
		inj.failStopCount++
		inj.lastFailStop = err
		return nil
	}
	inj.injected++
	return err
}

// faultClass says what a fault on an operation does (see Injector).
type faultClass int

const (
	faultNever faultClass = iota
	faultRead
	faultWrite
	faultFailStop
)

func classify(op errorfs.Op) faultClass {
	base := path.Base(op.Path)
	switch {
	case op.Kind == errorfs.OpList:
		return faultNever
	case op.Kind.ReadOrWrite() == errorfs.OpIsRead:
		return faultRead
	case op.Kind == errorfs.OpRemove || op.Kind == errorfs.OpRemoveAll:
		return faultWrite
	case strings.HasSuffix(base, ".sst") || strings.HasSuffix(base, ".blob"):
		return faultWrite
	case strings.HasSuffix(base, ".log") && (op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData):
		return faultFailStop
	default:
		return faultNever
	}
}

// countOp returns how many operations of op's kind on op's path came before.
func (inj *Injector) countOp(op errorfs.Op) uint64 {
	counts, ok := inj.opsSeen[op.Path]
	if !ok {
		if len(inj.opsSeen) >= opsSeenPathsMax {
			clear(inj.opsSeen)
		}
		counts = new([opKindCount]uint64)
		inj.opsSeen[op.Path] = counts
	}
	n := counts[op.Kind]
	counts[op.Kind]++
	return n
}

// failStops implements faultSource.
func (inj *Injector) failStops() (count uint64, last error) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return inj.failStopCount, inj.lastFailStop
}

// faultSource is implemented by the FS a Disk hands out. A Store opened on it
// compares the fail-stop count after each call into pebble with the count at
// Open.
type faultSource interface {
	failStops() (count uint64, last error)
}

// draw returns a number in [0, 1) that depends only on its arguments
// (splitmix64 over the seed, an FNV-1a hash of the path, the kind and n).
func draw(seed uint64, p string, kind errorfs.OpKind, n uint64) float64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(p); i++ {
		h ^= uint64(p[i])
		h *= 1099511628211
	}
	x := splitmix64(seed ^ h)
	x = splitmix64(x ^ uint64(kind))
	x = splitmix64(x ^ n)
	return float64(x>>11) / (1 << 53)
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

var opKindNames = [opKindCount]string{
	errorfs.OpCreate:          "create",
	errorfs.OpLink:            "link",
	errorfs.OpOpen:            "open",
	errorfs.OpOpenDir:         "opendir",
	errorfs.OpRemove:          "remove",
	errorfs.OpRemoveAll:       "removeall",
	errorfs.OpRename:          "rename",
	errorfs.OpReuseForWrite:   "reuseforwrite",
	errorfs.OpMkdirAll:        "mkdirall",
	errorfs.OpLock:            "lock",
	errorfs.OpList:            "list",
	errorfs.OpFilePreallocate: "preallocate",
	errorfs.OpStat:            "stat",
	errorfs.OpGetDiskUsage:    "diskusage",
	errorfs.OpFileClose:       "close",
	errorfs.OpFileRead:        "read",
	errorfs.OpFileReadAt:      "readat",
	errorfs.OpFileWrite:       "write",
	errorfs.OpFileWriteAt:     "writeat",
	errorfs.OpFileStat:        "fstat",
	errorfs.OpFileSync:        "sync",
	errorfs.OpFileSyncData:    "syncdata",
	errorfs.OpFileSyncTo:      "syncto",
	errorfs.OpFileFlush:       "flush",
}

func opKindName(k errorfs.OpKind) string {
	if k < 0 || int(k) >= opKindCount {
		return fmt.Sprintf("op%d", int(k))
	}
	return opKindNames[k]
}
