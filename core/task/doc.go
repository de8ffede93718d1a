// Package task is what topology authors program against, and the pure
// executor that runs their tasks inside a worker.
//
// Authors implement Spout and Bolt, register their types by name, and refer to
// the names in a topology spec (the Go analogue of classes in a Storm jar):
//
//	func init() {
//		task.RegisterSpout("wordcount.Sentences", func() task.Spout { return &Sentences{} })
//		task.RegisterBolt("wordcount.Split", func() task.Bolt { return &Split{} })
//	}
//
// A spout emits tuples through its SpoutCollector, optionally with a message
// id that makes the tuple reliable: the spout then hears Ack(msgID) once the
// whole tree of tuples it caused has been processed, or Fail(msgID) when a
// bolt failed one of them or the message timeout passed. A bolt receives
// tuples in Execute and emits new ones anchored to them, then acks or fails
// each input. As in Storm, every anchor of an emit gets its own random edge
// id, XORed into the anchor and, per tree, into the new tuple, so a tuple
// anchored to two inputs of one tree (a join), or to one input twice,
// leaves the tree pending until it is acked itself.
//
// The executor decouples a spout's NextTuple from its Ack and Fail, as
// JStorm does with separate threads: verdicts from the ackers wait in the
// spout task's own bounded ack queue, and each round of Step hands over a
// burst of them (counted against the step's budget) before a burst of
// NextTuple calls, so a flood of acks never stops emitting and an eager
// spout never leaves its acks waiting.
//
// Tuples are read by field name or index. Values are nil, bool, int64,
// float64, string, []byte and lists of these: what the tuple codec carries
// between workers. Emit converts other integer widths and float32 and
// refuses any other type (see SpoutCollector), so a bolt reads the same
// values whether its input came from its own worker or another.
package task
