// Package storage is a node's local durable store: the supervisor's table of
// launched workers, the artifact cache and workers' metric windows. It is a
// small key-value API over Pebble v2 on any vfs.FS, so the same code runs on a
// real disk and on the simulator's crashable in-memory disk.
//
//	Store: Set, Delete, Apply (synced), Get, Scan (copies out)
//	  │   pebble v2: WAL on, every write pebble.Sync; a silent Logger
//	  │   whose Fatalf fails the Store instead of exiting the process
//	  ▼
//	vfs.FS ── real daemons: vfs.Default
//	  │
//	  └─ simulator: Disk.FS()
//	       diskFS (sorted listings) ─► errorfs.FS + Injector ─► vfs.MemFS (crashable)
//	                                     (Faults: I/O errors)    ▲
//	                                                             └─ Disk.Crash
//
// # Durability
//
// Set, Delete and Apply return after pebble synced the write-ahead log: a
// write that returned nil survives any crash. Apply is atomic. A crash loses
// only unsynced data, which in a Store is pebble's background work in flight
// and the write in flight, if any.
//
// # Errors
//
// Every error is returned, never panicked, and starts with "storage: ".
// Invalid input (ErrKeySize, ErrValueSize, ErrBatchSize) changes nothing. A
// read error is returned and the Store stays usable. An error after which the
// outcome of a write is unknown fails the Store: the call and every later one
// return ErrFailed wrapping the cause, and the owner must Close it and Open it
// again (a real daemon may simply restart). That covers pebble's Logger.Fatalf
// (a failed WAL or MANIFEST write, after which pebble carries on as if nothing
// happened), a panic inside pebble during a call (pebble is then abandoned,
// not closed, as its locks may be held), data corruption found by a read, and
// the fail-stop faults of a Disk. ErrCorrupt marks files pebble finds corrupt.
//
// Pebble v2.1.7 has failure modes no caller can contain. On a real disk an
// error while it rotates the WAL kills the process ("sync: unlock of unlocked
// mutex"), and Open failing after it started background work can panic in a
// background goroutine. The simulator's Injector never causes either (see
// Injector); on a real disk they end the process like pebble's own default
// logger would, and the daemon's restart recovers from what was synced.
//
// # Simulation
//
// A Disk is one node's disk. Crash replaces its file system with what a power
// cut could leave: all synced data, and each unsynced 4 KiB block or directory
// entry with a chance drawn from the simulator's rng. InjectErrors makes
// operations fail (see Faults and Injector), and every injected error prints
// its fault config.
//
// Without faults a seed repeats exactly: Crash draws in sorted order (pebble's
// own CrashClone draws in Go map order), the Disk lists directories sorted,
// the Store disables pebble's sampled read compactions and asynchronous table
// statistics, and Open waits for the flush of the replayed log. With faults,
// everything a Store call decides in its own goroutine repeats (a WAL sync's
// fault is keyed by its count on the disk, a read's by path and count), but
// faults that land on pebble's background flushes, compactions and file
// deletions depend on goroutine timing, so a run with faults can diverge from
// its seed. Keep MemTableBytes large relative to what a simulated node writes
// to make background work rare. Under the race detector pebble also turns on
// randomized internal checks.
package storage
