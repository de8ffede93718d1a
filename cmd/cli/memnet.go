package cli

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/squall/squall/core"
)

// memNet is local mode's network: machines in one process exchange
// messages through bounded queues, one per destination, each drained by
// one goroutine into the destination's inbox. Like a network it is best
// effort: a full queue drops the message (and says so), which the
// machines' protocols already survive.
type memNet struct {
	mu    sync.Mutex
	boxes map[core.NodeID]*memBox
}

// memBoxMessagesMax bounds each destination's queue.
const memBoxMessagesMax = 16384

var errMemFull = errors.New("cli: local network queue full")

type memBox struct {
	ch   chan core.Recv
	done chan struct{}
}

func newMemNet() *memNet { return &memNet{boxes: map[core.NodeID]*memBox{}} }

// attach registers id's inbox; messages to id go to deliver until detach.
// The pump goroutine it starts ends at detach.
func (n *memNet) attach(id core.NodeID, deliver func(core.Event)) {
	box := &memBox{ch: make(chan core.Recv, memBoxMessagesMax), done: make(chan struct{})}
	n.mu.Lock()
	if old := n.boxes[id]; old != nil {
		close(old.done)
	}
	n.boxes[id] = box
	n.mu.Unlock()
	go func() {
		for {
			select {
			case <-box.done:
				return
			case r := <-box.ch:
				deliver(r)
			}
		}
	}()
}

// detach ends id's pump; later messages to id are dropped.
func (n *memNet) detach(id core.NodeID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if box := n.boxes[id]; box != nil {
		close(box.done)
		delete(n.boxes, id)
	}
}

// endpoint is the sender of one machine.
func (n *memNet) endpoint(self core.NodeID) memEndpoint { return memEndpoint{n: n, self: self} }

type memEndpoint struct {
	n    *memNet
	self core.NodeID
}

func (e memEndpoint) Send(s core.Send) error {
	e.n.mu.Lock()
	box := e.n.boxes[s.To]
	e.n.mu.Unlock()
	if box == nil {
		return fmt.Errorf("cli: local network: no machine %s", s.To)
	}
	select {
	case box.ch <- core.Recv{From: e.self, Payload: bytes.Clone(s.Payload)}:
		return nil
	default:
		return fmt.Errorf("%w: to %s", errMemFull, s.To)
	}
}
