package sim

import (
	"time"

	"github.com/squall/squall/core"
)

// Endpoint is a network address: the ZooKeeper ensemble or a node.
type Endpoint int32

// ZKEndpoint is the ZooKeeper ensemble's address.
const ZKEndpoint Endpoint = 0

// NetConfig sets the network's latency model.
type NetConfig struct {
	LatencyMin time.Duration // default 200µs
	LatencyMax time.Duration // default 2ms; jitter is uniform in [min, max]
}

func (c NetConfig) withDefaults() NetConfig {
	if c.LatencyMin == 0 {
		c.LatencyMin = 200 * time.Microsecond
	}
	if c.LatencyMax < c.LatencyMin {
		c.LatencyMax = 10 * c.LatencyMin
	}
	return c
}

// conn is one connection between two endpoints, as a TCP connection: messages
// in each direction arrive in order or not at all. Once a message is lost
// (partition) or the connection is reset, the connection is dead and every
// message still in flight on it is lost.
type conn struct {
	id      uint64
	ends    [2]Endpoint
	alive   bool
	lastAt  [2]core.Time // latest scheduled arrival per direction, for ordering
	onReset func()       // told when the connection is reset (not when it stalls)
}

type message struct {
	c    *conn
	from Endpoint
	to   Endpoint
	body any
}

// Network is the simulated network: connections with ordered delivery,
// latency and jitter, resets that lose what is in flight, symmetric and
// asymmetric partitions, and clogging (messages held, not lost).
type Network struct {
	w        *World
	cfg      NetConfig
	names    []string
	handlers []func(*message)
	blocked  [][]bool // blocked[from][to]
	clogged  []core.Time
	conns    []*conn // live connections; dead ones are compacted away
	nextConn uint64
	peers    map[[2]Endpoint]*conn // node-to-node connections for Send

	Sent, Delivered, Dropped uint64
}

func newNetwork(w *World, cfg NetConfig) *Network {
	n := &Network{w: w, cfg: cfg, peers: map[[2]Endpoint]*conn{}}
	n.addEndpoint("zk", nil) // the ZooKeeper server installs its handler
	return n
}

func (n *Network) addEndpoint(name string, h func(*message)) Endpoint {
	ep := Endpoint(len(n.names))
	n.names = append(n.names, name)
	n.handlers = append(n.handlers, h)
	n.clogged = append(n.clogged, 0)
	for i := range n.blocked {
		n.blocked[i] = append(n.blocked[i], false)
	}
	n.blocked = append(n.blocked, make([]bool, len(n.names)))
	return ep
}

// Name is an endpoint's printable name.
func (n *Network) Name(ep Endpoint) string { return n.names[ep] }

func (n *Network) dial(a, b Endpoint, onReset func()) *conn {
	n.nextConn++
	c := &conn{id: n.nextConn, ends: [2]Endpoint{a, b}, alive: true, onReset: onReset}
	n.conns = append(n.conns, c)
	if len(n.conns) > 64 && len(n.conns) > 2*n.liveConns() {
		n.compact()
	}
	return c
}

func (n *Network) liveConns() int {
	live := 0
	for _, c := range n.conns {
		if c.alive {
			live++
		}
	}
	return live
}

func (n *Network) compact() {
	live := n.conns[:0]
	for _, c := range n.conns {
		if c.alive {
			live = append(live, c)
		}
	}
	for i := len(live); i < len(n.conns); i++ {
		n.conns[i] = nil
	}
	n.conns = live
}

// send puts body on c from one end to the other.
func (n *Network) send(c *conn, from Endpoint, body any) {
	n.Sent++
	if !c.alive {
		n.Dropped++
		return
	}
	dir, to := 0, c.ends[1]
	if from == c.ends[1] {
		dir, to = 1, c.ends[0]
	}
	if n.blocked[from][to] {
		n.kill(c) // lost in the partition: the connection stalls and dies
		n.Dropped++
		return
	}
	jitter := n.cfg.LatencyMax - n.cfg.LatencyMin
	at := n.w.now.Add(n.cfg.LatencyMin)
	if jitter > 0 {
		at = at.Add(time.Duration(n.w.rng.Int64N(int64(jitter) + 1)))
	}
	at = max(at, n.clogged[from], n.clogged[to], c.lastAt[dir])
	c.lastAt[dir] = at
	n.w.schedule(at, kindDeliver, -1, 0, &message{c: c, from: from, to: to, body: body})
}

func (n *Network) deliver(m *message) {
	if !m.c.alive {
		n.drop(m, "conn-dead")
		return
	}
	if n.blocked[m.from][m.to] {
		n.kill(m.c) // the partition began while the message was in flight
		n.drop(m, "partitioned")
		return
	}
	n.Delivered++
	n.w.trace.record(n.w.now, n.names[m.to], "net-recv", n.names[m.from]+" "+bodyName(m.body))
	n.handlers[m.to](m)
}

func (n *Network) drop(m *message, why string) {
	n.Dropped++
	n.w.trace.record(n.w.now, n.names[m.to], "net-drop", n.names[m.from]+" "+bodyName(m.body)+" "+why)
}

// bodyName names a message's type for the trace; the content is traced where
// the receiver acts on it.
func bodyName(body any) string {
	switch body.(type) {
	case *peerMsg:
		return "peer"
	case *zkConnect:
		return "zk-connect"
	case *zkRequest:
		return "zk-request"
	case *zkPing:
		return "zk-ping"
	case *zkConnected:
		return "zk-connected"
	case *zkExpired:
		return "zk-expired"
	case *zkReply:
		return "zk-reply"
	case *zkWatch:
		return "zk-watch"
	case *zkPong:
		return "zk-pong"
	}
	return "unknown"
}

// kill ends c silently: the ends learn of it only by timing out.
func (n *Network) kill(c *conn) { c.alive = false }

// reset ends c and tells its dialer at once, as a TCP reset does.
func (n *Network) reset(c *conn) {
	if !c.alive {
		return
	}
	c.alive = false
	if c.onReset != nil {
		fn := c.onReset
		n.w.schedule(n.w.now, kindCall, -1, 0, &call{what: "conn-reset " + n.names[c.ends[0]] + "-" + n.names[c.ends[1]], fn: fn})
	}
}

// closeEndpointConns kills every connection of ep (its process died).
func (n *Network) closeEndpointConns(ep Endpoint) {
	for _, c := range n.conns {
		if c.alive && (c.ends[0] == ep || c.ends[1] == ep) {
			n.kill(c)
		}
	}
}

// ResetConns resets every live connection of ep: what is in flight is lost and
// both ends notice at once.
func (n *Network) ResetConns(ep Endpoint) {
	n.w.trace.record(n.w.now, "net", "reset", n.names[ep])
	for _, c := range n.conns {
		if c.alive && (c.ends[0] == ep || c.ends[1] == ep) {
			n.reset(c)
		}
	}
}

// Partition blocks traffic between a and b in both directions.
func (n *Network) Partition(a, b Endpoint) {
	n.PartitionOneWay(a, b)
	n.PartitionOneWay(b, a)
}

// PartitionOneWay blocks traffic from a to b only (asymmetric partition).
func (n *Network) PartitionOneWay(from, to Endpoint) {
	n.w.trace.record(n.w.now, "net", "partition", n.names[from]+"->"+n.names[to])
	n.blocked[from][to] = true
}

// Isolate blocks all traffic to and from ep.
func (n *Network) Isolate(ep Endpoint) {
	for other := range n.names {
		if Endpoint(other) != ep {
			n.Partition(ep, Endpoint(other))
		}
	}
}

// Heal unblocks traffic between a and b in both directions.
func (n *Network) Heal(a, b Endpoint) {
	n.w.trace.record(n.w.now, "net", "heal", n.names[a]+"<->"+n.names[b])
	n.blocked[a][b], n.blocked[b][a] = false, false
}

// HealAll removes every partition and clog.
func (n *Network) HealAll() {
	n.w.trace.record(n.w.now, "net", "heal-all", "")
	for i := range n.blocked {
		clear(n.blocked[i])
	}
	for i := range n.clogged {
		if n.clogged[i] > n.w.now {
			n.clogged[i] = n.w.now
		}
	}
}

// Blocked reports whether traffic from a to b is blocked.
func (n *Network) Blocked(from, to Endpoint) bool { return n.blocked[from][to] }

// Clog holds every message to or from ep sent in the next d until d has passed;
// nothing is lost, only delayed.
func (n *Network) Clog(ep Endpoint, d time.Duration) {
	n.w.trace.record(n.w.now, "net", "clog", n.names[ep]+" "+d.String())
	n.clogged[ep] = max(n.clogged[ep], n.w.now.Add(d))
}

// sendFrom executes a node's Send effect over the node pair's connection,
// dialing a new one when the last died.
func (n *Network) sendFrom(src *Node, e core.Send) {
	dst := n.w.nodeByID(e.To)
	if dst == nil {
		n.Dropped++
		return
	}
	key := [2]Endpoint{src.ep, dst.ep}
	c := n.peers[key]
	if c == nil || !c.alive {
		c = n.dial(src.ep, dst.ep, nil)
		n.peers[key] = c
	}
	n.send(c, src.ep, &peerMsg{from: src.cfg.ID, payload: e.Payload})
}

type peerMsg struct {
	from    core.NodeID
	payload []byte
}

func (w *World) nodeByID(id core.NodeID) *Node { return w.byID[id] }

// onNetMessage receives a message addressed to the node. Only a paused node
// needs a closure (to hold the message until it resumes); a running one
// handles the message at once without allocating.
func (n *Node) onNetMessage(m *message) {
	if !n.up {
		return
	}
	if n.paused {
		inc := n.inc
		n.hold(func() {
			if n.live(inc) {
				n.handleNetMessage(m)
			}
		})
		return
	}
	n.handleNetMessage(m)
}

func (n *Node) handleNetMessage(m *message) {
	switch b := m.body.(type) {
	case *peerMsg:
		n.deliver(core.Recv{From: b.from, Payload: b.payload})
	default:
		if n.zk != nil {
			n.zk.onMessage(m)
		}
	}
}
