package realnet

import (
	"sync"

	"github.com/squall/squall/core"
)

// InboxDefault is a reasonable inbox bound for a daemon: events, not bytes.
const InboxDefault = 4096

// Inbox is the bounded input queue of one Driver. Event producers (the
// transport's readers, the coordination adapter, the process watcher) call
// Deliver from any goroutine; the driver alone takes events out.
//
// Deliver blocks while the inbox is full: a machine that falls behind slows
// down whoever feeds it, and for the transport that means its connection is
// no longer read, so the sender's queue fills and its Send returns
// ErrBackpressure. Once the inbox is closed (its driver's Run returned),
// Deliver drops events and returns at once, so no producer hangs on a
// machine that has stopped.
type Inbox struct {
	ch        chan core.Event
	done      chan struct{}
	closeOnce sync.Once
}

// NewInbox returns an inbox holding at most max events.
func NewInbox(max int) *Inbox {
	core.Assert(max > 0, "realnet: inbox bound %d, want > 0", max)
	return &Inbox{ch: make(chan core.Event, max), done: make(chan struct{})}
}

// Deliver queues ev, blocking while the inbox is full. After Close it never
// blocks, and ev is never stepped.
func (in *Inbox) Deliver(ev core.Event) {
	select {
	case in.ch <- ev:
		return
	default:
	}
	select {
	case in.ch <- ev:
	case <-in.done:
	}
}

// TryDeliver queues ev if there is room and the inbox is open, and reports
// whether it did.
func (in *Inbox) TryDeliver(ev core.Event) bool {
	select {
	case <-in.done:
		return false
	default:
	}
	select {
	case in.ch <- ev:
		return true
	default:
		return false
	}
}

// Len is the number of events waiting.
func (in *Inbox) Len() int { return len(in.ch) }

// Close makes Deliver drop events from now on, releasing producers blocked
// on a full inbox. Events already queued stay until taken. Close is idempotent.
func (in *Inbox) Close() { in.closeOnce.Do(func() { close(in.done) }) }
