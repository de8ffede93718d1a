// Package sim is the deterministic world Squall's machines run in under
// test: one goroutine, one event queue ordered by (virtual time, sequence),
// and one seed from which every choice is drawn.
//
//	        ┌──────────── World (seed, virtual clock, trace hash) ────────────┐
//	        │                                                                  │
//	events ─►  queue by (time, seq) ──► Node.Step(now, ev) ──► Ready() effects │
//	        │        ▲                                            │            │
//	        │        │         core/dispatch routes each effect:  ▼            │
//	        │        ├──── Network   (Send: latency, jitter, resets, partitions)│
//	        │        ├──── ZooKeeper (Coord: sim/zkmodel, sessions, lost replies)
//	        │        ├──── Disk      (Persist: Pebble on a crashable memory FS) │
//	        │        └──── Processes (worker starts: latency, fetch failures)   │
//	        └──────────────────────────────────────────────────────────────────┘
//
// A node hosts a core.Machine; its clock may drift (SetClockRate), and it
// may crash (its disk reopened on a crash clone: unsynced data partly lost),
// restart, or pause. Faults are injected by the World's methods (Crash,
// Restart, Pause, Net().Partition, ExpireSession, ZKOutage,
// SetLostReplyRate, InjectDiskErrors, SetProcessFaults); observers
// (OnZKApply, Config.Observe) see without acting.
//
// Every event and effect is a line of the trace; the trace hash mixes the
// lines and every payload byte whole, so the same seed gives the same hash
// and any divergence of a replay shows. Nothing in a World reads the wall
// clock, and Pebble's stores run quiesced (storage.Options.Quiesce), so a
// crash keeps exactly what the calls made. The scenarios package builds
// clusters, faults and checks on top of it.
package sim
