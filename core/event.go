package core

import (
	"fmt"
	"strconv"
	"strings"
)

// Event is an input to a machine. The set is sealed: only this package defines
// events, and each prints deterministically on one line.
type Event interface {
	isEvent()
	String() string
}

// Tick is delivered by the driver at the machine's fixed tick period.
type Tick struct{}

// CoordResult reports the outcome of a Coord effect with the same Op.
type CoordResult struct {
	Op    OpID
	Reply Reply
}

// WatchFired reports that a one-shot watch left by GetData, Exists or Children
// fired. The watch is gone; set it again by reading again.
type WatchFired struct {
	Type WatchType
	Path string
}

// SessionChanged reports a change of the machine's ZooKeeper session state.
// Session is the session the state refers to: for Expired the dead one, for
// Connected the live one.
type SessionChanged struct {
	State   SessionState
	Session SessionID
}

// Recv delivers a message sent by another machine with a Send effect.
type Recv struct {
	From    NodeID
	Payload []byte
}

// Persisted reports that a Persist effect is durable, or that it failed.
type Persisted struct {
	Op  OpID
	Err string // empty on success
}

func (Tick) isEvent()           {}
func (CoordResult) isEvent()    {}
func (WatchFired) isEvent()     {}
func (SessionChanged) isEvent() {}
func (Recv) isEvent()           {}
func (Persisted) isEvent()      {}

func (Tick) String() string { return "tick" }
func (e CoordResult) String() string {
	return "coord-result op=" + strconv.FormatUint(uint64(e.Op), 10) + " " + e.Reply.String()
}
func (e WatchFired) String() string { return "watch " + e.Type.String() + " " + e.Path }
func (e SessionChanged) String() string {
	return fmt.Sprintf("session %s id=%#x", e.State, int64(e.Session))
}
func (e Recv) String() string {
	return fmt.Sprintf("recv from=%s %s", e.From, quoteData(e.Payload))
}
func (e Persisted) String() string {
	if e.Err == "" {
		return "persisted op=" + strconv.FormatUint(uint64(e.Op), 10)
	}
	return "persisted op=" + strconv.FormatUint(uint64(e.Op), 10) + " err=" + strconv.Quote(e.Err)
}

// KV is one entry of a machine's local store.
type KV struct {
	Key, Value []byte
}

// Restored is the first event a machine with local storage receives after its
// process starts: every entry of its store, in key order, as Persist effects
// of earlier incarnations left them (synced writes survive a crash; unsynced
// ones may not). A supervisor rebuilds its launched-worker table from it.
// Every driver, real or simulated, delivers it before the first SessionChanged.
type Restored struct {
	Entries []KV
}

func (Restored) isEvent() {}

func (e Restored) String() string {
	var b strings.Builder
	b.WriteString("restored")
	for _, kv := range e.Entries {
		b.WriteString(" " + quoteData(kv.Key) + "=" + quoteData(kv.Value))
	}
	return b.String()
}
