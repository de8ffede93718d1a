package lanes

import "github.com/squall/squall/core"

// Bounds of a lanes plane.
const (
	// QueueHighMessages and QueueLowMessages are the default water marks of
	// every lane queue and of the outgoing queue; QueueMaxMessages the
	// default hard bound past which a batch is dropped (see the package doc).
	QueueHighMessages = 1 << 13
	QueueLowMessages  = 1 << 11
	QueueMaxMessages  = 1 << 18
	// LaneStepBudget bounds the units one round of a lane spends; a lane
	// with more work runs another round.
	LaneStepBudget = 2048
	// LaneInboxMax bounds the tuples a lane moves from its queue into its
	// executor's inbox ahead of execution: at most the executor's
	// tuple-reuse delay, so that its free ring recycles tuples.
	LaneInboxMax = 1024
)

// Bounds are a plane's water marks and hard bound, in messages per queue.
type Bounds struct {
	HighMessages, LowMessages, MaxMessages int64
}

// DefaultBounds are the bounds real workers run with.
var DefaultBounds = Bounds{HighMessages: QueueHighMessages, LowMessages: QueueLowMessages,
	MaxMessages: QueueMaxMessages}

// TightBounds are bounds with hard bound maxMessages and water marks under it, in
// the default proportions no lower than a message: what the simulator
// draws to reach the drop path.
func TightBounds(maxMessages int64) Bounds {
	b := Bounds{HighMessages: maxMessages / 2, LowMessages: max(maxMessages/8, 1), MaxMessages: maxMessages}
	b.check()
	return b
}

func (b Bounds) check() {
	core.Assert(0 < b.LowMessages && b.LowMessages < b.HighMessages && b.HighMessages < b.MaxMessages,
		"lanes: bounds %+v: want 0 < low < high < max", b)
}

// Pressure applies the water marks: whether a plane that was (or was not)
// congested is congested now that its deepest queue holds deepest messages.
func (b Bounds) Pressure(was bool, deepest int64) bool {
	if deepest > b.HighMessages {
		return true
	}
	return was && deepest >= b.LowMessages
}

// Admit reports whether a queue of depth messages may take n more; a batch
// it refuses is dropped.
func (b Bounds) Admit(depth, n int64) bool { return depth+n <= b.MaxMessages }
