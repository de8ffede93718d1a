package sim

import (
	"bytes"
	"fmt"

	"github.com/squall/squall/core"
	"github.com/squall/squall/storage"
)

// storeDir is where a node's Pebble store lives on its simulated disk.
const storeDir = "/data"

// openStore opens the node's store on its disk; an error (a corrupt or
// faulty disk) is an operating error: the node runs without a store and every
// Persist reports the error. The store quiesces after each call, so that
// pebble's goroutines cannot make a seed's disk differ between replays.
func (n *Node) openStore() {
	s, err := storage.Open(n.disk.FS(), storeDir, storage.Options{Quiesce: true})
	if err != nil {
		n.storeErr = fmt.Errorf("sim: %s: open store: %w", n.cfg.ID, err)
		n.w.trace.record(n.w.now, string(n.cfg.ID), "store-open-failed", err.Error())
		return
	}
	n.store, n.storeErr = s, nil
}

// crashDisk loses the node's unsynced writes, as a power cut would, with a
// loss drawn from the world's seed, then abandons the old store.
func (n *Node) crashDisk() {
	loss := n.disk.Crash(n.w.rng)
	n.w.trace.record(n.w.now, string(n.cfg.ID), "disk-crash", fmt.Sprintf("unsynced-loss=%d%%", loss))
	if n.store != nil {
		_ = n.store.Close() // the old store's FS is gone; its close error is moot
		n.store = nil
	}
}

// persist executes a Persist effect: durable (synced) before it returns, so
// before the machine's next effect runs, as the contract requires.
func (n *Node) persist(e core.Persist) {
	err := n.storeErr
	if n.store != nil {
		if e.Value == nil {
			err = n.store.Delete(e.Key)
		} else {
			err = n.store.Set(e.Key, e.Value)
		}
	}
	ev := core.Persisted{Op: e.Op}
	if err != nil {
		ev.Err = err.Error()
	}
	n.deliverLater(ev)
}

// Store is the node's local store, nil while down or when it failed to open.
func (n *Node) Store() *storage.Store { return n.store }

// InjectDiskErrors makes the node's disk fail I/O operations as f says, from
// now until StopDiskErrors.
func (w *World) InjectDiskErrors(n *Node, f storage.Faults) {
	core.Assert(n.disk != nil, "%s has no disk", n.cfg.ID)
	w.trace.record(w.now, string(n.cfg.ID), "disk-errors", f.String())
	n.disk.InjectErrors(f)
}

// StopDiskErrors ends injected I/O errors on the node's disk.
func (w *World) StopDiskErrors(n *Node) {
	core.Assert(n.disk != nil, "%s has no disk", n.cfg.ID)
	w.trace.record(w.now, string(n.cfg.ID), "disk-errors-stop", "")
	n.disk.StopErrors()
}

// restoredMax bounds the entries a Restored event carries.
const restoredMax = 1 << 16

// restore hands the machine its store's entries, before anything else.
func (n *Node) restore() {
	var entries []core.KV
	if n.store != nil {
		err := n.store.Scan(nil, func(k, v []byte) error {
			if len(entries) >= restoredMax {
				return fmt.Errorf("sim: %s: store holds over %d entries", n.cfg.ID, restoredMax)
			}
			entries = append(entries, core.KV{Key: bytes.Clone(k), Value: bytes.Clone(v)})
			return nil
		})
		if err != nil {
			n.w.trace.record(n.w.now, string(n.cfg.ID), "store-scan-failed", err.Error())
		}
	}
	n.deliverLater(core.Restored{Entries: entries})
}

// Close releases what the world holds outside its own memory: the Pebble
// stores of the nodes still up, whose background goroutines would otherwise
// outlive the run (a swarm runs thousands of worlds in one process). It
// records nothing in the trace. The world must not run after Close; the
// nodes' disks stay readable through a fresh storage.Open.
func (w *World) Close() error {
	var first error
	for _, n := range w.nodes {
		if n.store == nil {
			continue
		}
		if err := n.store.Close(); err != nil && first == nil {
			first = fmt.Errorf("sim: %s: close store: %w", n.cfg.ID, err)
		}
		n.store = nil
	}
	w.closed = true
	return first
}
