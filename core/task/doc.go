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
// each input.
//
// Tuples are read by field name or index. Values are nil, bool, int64,
// float64, string, []byte and lists of these: what the tuple codec carries
// between workers.
package task
