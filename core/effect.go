package core

import (
	"fmt"
	"strconv"
)

// Effect is an output of a machine, drained by Ready. The set is sealed and each
// effect prints deterministically on one line.
//
// Ordering contract. A driver executes a machine's effects in the order Ready
// returns them, and:
//
//   - a Persist is durable before any later effect of the same machine starts
//     (write-ahead: persist the worker you are about to start, then start it);
//   - Coord requests of one machine reach the coordination service in order, as
//     on one ZooKeeper session, and their results return in that order;
//   - Send messages to one destination arrive in order or not at all; a
//     connection reset may lose any suffix of them.
//
// Every effect whose outcome matters carries an OpID; the outcome comes back
// later as an event with that OpID (CoordResult, Persisted).
type Effect interface {
	isEffect()
	String() string
}

// Coord asks the coordination service (ZooKeeper) to execute Req on the
// machine's session. The answer arrives as a CoordResult with the same Op;
// CodeConnectionLoss means the outcome is unknown.
type Coord struct {
	Op  OpID
	Req Request
}

// Persist writes Key=Value to the machine's local durable store (Pebble) and
// syncs it. A nil Value deletes the key.
type Persist struct {
	Op    OpID
	Key   []byte
	Value []byte
}

// Send delivers Payload to another machine over the network, best effort.
type Send struct {
	To      NodeID
	Payload []byte
}

func (Coord) isEffect()   {}
func (Persist) isEffect() {}
func (Send) isEffect()    {}

func (e Coord) String() string {
	return "coord op=" + strconv.FormatUint(uint64(e.Op), 10) + " " + e.Req.String()
}
func (e Persist) String() string {
	if e.Value == nil {
		return fmt.Sprintf("persist op=%d delete %s", e.Op, quoteData(e.Key))
	}
	return fmt.Sprintf("persist op=%d %s=%s", e.Op, quoteData(e.Key), quoteData(e.Value))
}
func (e Send) String() string { return fmt.Sprintf("send to=%s %s", e.To, quoteData(e.Payload)) }
