// Package lanes is the pure logic of the lanes data plane: one task per
// lane, lanes handing each other batches, water marks, spout pausing and
// each lane's own encoder. It runs wherever a driver calls Lane.Round: the
// real runner (realnet/lanes) calls it from one goroutine per lane, with
// locks behind its Hub; the simulator's Stepped plane calls it from the
// worker machine's goroutine, a lane at a time, in an order drawn from the
// seed. Both therefore run the very same lane code.
//
//	                      ┌──────── lane queue (Hub: batches of Remotes) ◄──┐
//	Deliver ─► Receiver: decode, split by Dest ─► Lane.Round ─► Lane.Round ─┘
//	                                                   │ encode (Hub.Send)
//	Flush   ◄── outgoing batches (one per peer, ≤ FramesMax) ◄─┘
//
// A round applies the plane's active and throttled flags to the lane's
// executor (active follows the topology status the assignment carries: a
// change calls the spout's Activate or Deactivate on its own lane, and an
// inactive spout gets no NextTuple; each lane opens as
// task.ExecutorConfig.Inactive says), takes queued input (a bolt only while its inbox holds fewer
// than LaneInboxMax tuples, so its backlog stays in its queue where the
// water marks see it), steps the executor, and routes what it produced:
// to sibling lanes unencoded, to other workers encoded.
//
// Backpressure never makes a lane wait on another (a cycle of lanes
// waiting on each other's full queues is the deadlock of STORM-3637):
// past Bounds.HighMessages on any queue the plane is congested and spouts
// stop, until every queue is below Bounds.LowMessages; bolts and ackers
// always run, so a cycle drains. Bounds.MaxMessages is the hard bound of
// every queue: a batch that would pass it is dropped and counted, as a
// tuple sent to a dead worker is, and its trees time out and replay. No
// bounded queue can both never drop and never block in a cycle whose bolts
// fan out (each input makes more than one output), so the drop stays,
// but here, in the one place both drivers share, where the simulator
// reaches it with tight bounds drawn per seed and checks at-least-once
// across it.
//
// The package is pure (no goroutines, channels, locks or clocks), as all
// of core: time comes in Round's now, randomness from the injected
// generator.
package lanes
