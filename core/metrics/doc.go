// Package metrics keeps a task's tuple statistics the way Storm's UI shows
// them: per stream, emitted, transferred, acked, failed and executed counts and
// execute, process and complete latencies, each over the last 10 minutes, 3
// hours, 1 day and all time (window keys "600", "10800", "86400",
// ":all-time"), plus capacity, the fraction of the time a task is busy.
//
// # Windows
//
// A rolling Window is a ring of N buckets (20 by default, so 30 s, 9 min and
// 72 min wide). Bucket k holds what was added in [k·W, (k+1)·W), W = span/N,
// and lives in slot k mod N. Nothing runs on a timer: an Add that lands in a
// later bucket clears the slots it skips, and Totals(now) sums the bucket
// holding now and the N-1 before it, ignoring slots too old for that now:
//
//	slot:    0    1   …    6    7    8    9   …   19
//	      ┌────┬────┬───┬────┬────┬────┬────┬───┬────┐
//	k:    │ 40 │ 41 │ … │ 46 │ 47 │ 28 │ 29 │ … │ 39 │
//	      └────┴────┴───┴────┴────┴────┴────┴───┴────┘
//	                            ▲    ▲
//	      head: the newest Add ─┘    └─ oldest; the next slot reused
//
//	Totals(now in bucket 47) = buckets 28..47: between span-W and span
//	Totals(now in bucket 50) = buckets 31..47: 28..30 aged out, 48..50 empty
//	Add(now in bucket 50)    clears slots 8, 9, 10 and makes 50 the head
//	Add(now in bucket ≥ 67) clears every slot: a gap of a whole span
//
// The granularity is one bucket: a bucket leaves the window whole when now
// crosses a bucket boundary. All-time is a plain accumulator.
//
// # Sampling
//
// Measuring every tuple would cost two clock reads per tuple, so a task asks
// TaskStats.Sample (Storm's even sampler: one event in each run of
// round(1/rate) events, default rate 0.05) and records only sampled events.
// Counts are scaled by the run length, latencies are averaged unscaled. The
// sampler draws from an injected *rand.Rand, so a seed replays exactly.
//
// # Recording, snapshots, persistence
//
// A task resolves a Stream handle per stream once; recording an event is then
// a few additions, without allocation or map lookups. Snapshot(now, period)
// returns plain data, streams sorted by name; Aggregate sums snapshots of
// tasks into component or topology figures, weighting latencies by samples.
// MarshalBinary and UnmarshalBinary let a worker persist the stats (to
// Pebble) and restore them after a restart with their bucket times; Shift
// moves them into a restarted clock's time base.
//
// Like all of core the package is pure: time is the now argument, randomness
// the injected generator, and TaskStats belongs to the one task recording.
package metrics
