package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// bridgePrefix marks the pseudo-node ids of HTTP requests: nimbus answers
// them with a Send like any other client, and the bridge catches it.
const bridgePrefix = "http/"

// bridgeCallsMax bounds the HTTP requests waiting on nimbus at once.
const bridgeCallsMax = 1024

// errBridgeBusy is returned when bridgeCallsMax requests already wait.
var errBridgeBusy = errors.New("cli: too many requests in flight")

// bridge turns an HTTP handler's request into a message to the nimbus
// machine and its reply back into a return value: the machine never knows
// the difference between the API and a native client.
type bridge struct {
	deliver func(core.Event)
	mu      sync.Mutex
	seq     uint64
	calls   map[core.NodeID]chan protocol.ClientReply
}

func newBridge(deliver func(core.Event)) *bridge {
	return &bridge{deliver: deliver, calls: map[core.NodeID]chan protocol.ClientReply{}}
}

// Request implements httpapi.Nimbus.
func (b *bridge) Request(ctx context.Context, req protocol.ClientRequest) (protocol.ClientReply, error) {
	b.mu.Lock()
	if len(b.calls) >= bridgeCallsMax {
		b.mu.Unlock()
		return protocol.ClientReply{}, errBridgeBusy
	}
	b.seq++
	req.ID = b.seq
	from := core.NodeID(bridgePrefix + strconv.FormatUint(b.seq, 10))
	ch := make(chan protocol.ClientReply, 1)
	b.calls[from] = ch
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.calls, from)
		b.mu.Unlock()
	}()
	b.deliver(core.Recv{From: from, Payload: protocol.EncodeMessage(req)})
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return protocol.ClientReply{}, fmt.Errorf("cli: nimbus did not answer %s: %w", req.Op, ctx.Err())
	}
}

// catch takes a Send addressed to a bridge id; it reports false for any
// other destination.
func (b *bridge) catch(e core.Send) bool {
	if !strings.HasPrefix(string(e.To), bridgePrefix) {
		return false
	}
	msg, err := protocol.DecodeMessage(e.Payload)
	r, ok := msg.(protocol.ClientReply)
	if err != nil || !ok {
		return true
	}
	b.mu.Lock()
	ch := b.calls[e.To]
	b.mu.Unlock()
	if ch != nil {
		select {
		case ch <- r:
		default:
		}
	}
	return true
}

// sender is what a driver sends through.
type sender interface{ Send(core.Send) error }

// bridgedNet sends through net, except replies to the bridge.
type bridgedNet struct {
	b   *bridge
	net sender
}

func (n bridgedNet) Send(e core.Send) error {
	if n.b.catch(e) {
		return nil
	}
	return n.net.Send(e)
}
