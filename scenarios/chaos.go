package scenarios

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/squall/squall/sim"
	"github.com/squall/squall/storage"
)

// faultKind names one kind of injected fault.
type faultKind uint8

const (
	faultCrash faultKind = iota
	faultPause
	faultPartition // symmetric, node <-> ZooKeeper or node <-> node
	faultOneWay    // asymmetric
	faultClog
	faultReset
	faultExpire
	faultOutage
	faultDrift
	faultDiskCrash  // a crash of a node with a disk: unsynced writes partly lost
	faultDiskErrors // injected I/O errors on a node's disk for a while
	faultKinds
)

// baseKinds are the kinds drawRates draws: the ones every chaos run may use
// (election candidates have no disks). Swarm runs add the disk kinds.
const baseKinds = faultDrift + 1

var faultNames = [faultKinds]string{
	"crash", "pause", "partition", "one_way_partition", "clog", "reset",
	"session_expiry", "zk_outage", "clock_drift", "disk_crash", "disk_errors",
}

// chaosRates is what a seed draws for one run (swarm testing): which faults are
// enabled, their relative weights, how often one strikes, and how likely a
// ZooKeeper reply is lost.
type chaosRates struct {
	weight    [faultKinds]float64
	every     time.Duration // mean gap between faults
	lostReply float64
}

// Bounds of the fault durations, chosen around the 4 s session timeout so
// that some faults outlast it and some do not.
const (
	downMax      = 10 * time.Second
	pauseMax     = 8 * time.Second
	partitionMax = 12 * time.Second
	clogMax      = 3 * time.Second
	outageMax    = 6 * time.Second
	lostReplyMax = 0.05
)

func drawRates(r *rand.Rand) chaosRates {
	var c chaosRates
	for k := range c.weight[:baseKinds] {
		if r.Float64() < 0.8 { // each kind is enabled with probability 0.8
			c.weight[k] = r.Float64()
		}
	}
	c.weight[faultCrash] += 0.1 // never a run without faults
	c.every = 500*time.Millisecond + time.Duration(r.Int64N(int64(4*time.Second)))
	if r.Float64() < 0.7 {
		c.lostReply = r.Float64() * lostReplyMax
	}
	return c
}

// chaos injects faults into a world until stopped, then heals.
type chaos struct {
	w       *sim.World
	r       *rand.Rand
	nodes   []*sim.Node
	rates   chaosRates
	stopped bool
	counts  [faultKinds]int
	// workers makes live worker processes victims of crashes and disk
	// faults too (their supervisors restart them); disks lists the nodes
	// whose disks the disk faults may hit besides live workers.
	workers bool
	disks   []*sim.Node
	errored map[*sim.Node]bool // disks with injected errors, stopped at heal
	hit     []*sim.Node        // every node whose disk had errors injected
}

func newChaos(w *sim.World, nodes []*sim.Node) *chaos {
	c := &chaos{w: w, r: w.Rand(), nodes: nodes}
	c.rates = drawRates(c.r)
	w.SetLostReplyRate(c.rates.lostReply)
	return c
}

func (c *chaos) start() { c.scheduleNext() }

func (c *chaos) scheduleNext() {
	gap := time.Duration(c.r.ExpFloat64() * float64(c.rates.every))
	c.w.After(gap+time.Millisecond, "chaos", func() {
		if c.stopped {
			return
		}
		c.strike()
		c.scheduleNext()
	})
}

func (c *chaos) pick() faultKind {
	total := 0.0
	for _, w := range c.rates.weight {
		total += w
	}
	x := c.r.Float64() * total
	for k, w := range c.rates.weight {
		if x < w {
			return faultKind(k)
		}
		x -= w
	}
	return faultCrash
}

func (c *chaos) duration(maxD time.Duration) time.Duration {
	return time.Duration(c.r.Int64N(int64(maxD))) + 10*time.Millisecond
}

func (c *chaos) strike() {
	k := c.pick()
	n := c.nodes[c.r.IntN(len(c.nodes))]
	if k >= baseKinds {
		c.strikeDisk(k)
		return
	}
	if k == faultCrash && c.workers && c.r.IntN(3) == 0 {
		if ws := c.w.Workers(); len(ws) > 0 {
			c.counts[k]++
			c.w.Crash(ws[c.r.IntN(len(ws))]) // its supervisor restarts it
			return
		}
	}
	c.counts[k]++
	net := c.w.Net()
	switch k {
	case faultCrash:
		c.crashFor(n)
	case faultPause:
		c.w.Pause(n, c.duration(pauseMax))
	case faultPartition, faultOneWay:
		peer := c.peer(n)
		if k == faultPartition {
			net.Partition(n.Endpoint(), peer)
		} else if c.r.IntN(2) == 0 {
			net.PartitionOneWay(n.Endpoint(), peer)
		} else {
			net.PartitionOneWay(peer, n.Endpoint())
		}
		c.w.After(c.duration(partitionMax), "heal", func() { net.Heal(n.Endpoint(), peer) })
	case faultClog:
		net.Clog(n.Endpoint(), c.duration(clogMax))
	case faultReset:
		net.ResetConns(n.Endpoint())
	case faultExpire:
		c.w.ExpireSession(n)
	case faultOutage:
		c.w.ZKOutage(c.duration(outageMax))
	case faultDrift:
		c.w.SetClockRate(n, 0.5+c.r.Float64()) // 0.5x .. 1.5x
	}
}

// crashFor crashes n and restarts it after a drawn time down.
func (c *chaos) crashFor(n *sim.Node) {
	c.w.Crash(n)
	c.w.After(c.duration(downMax), "restart "+string(n.ID()), func() {
		if !c.stopped {
			c.w.Restart(n)
		}
	})
}

// strikeDisk hits a node with a disk: a supervisor or a live worker.
func (c *chaos) strikeDisk(k faultKind) {
	victims := append(slices.Clone(c.disks), c.w.Workers()...)
	if len(victims) == 0 {
		return
	}
	n := victims[c.r.IntN(len(victims))]
	c.counts[k]++
	if k == faultDiskCrash {
		if n.Spec().Supervisor != "" {
			c.w.Crash(n) // a worker: its supervisor restarts it
			return
		}
		c.crashFor(n)
		return
	}
	f := storage.Faults{WriteProbability: 0.05 + 0.45*c.r.Float64(), ReadProbability: 0.05 * c.r.Float64(), Seed: c.r.Uint64()}
	c.w.InjectDiskErrors(n, f)
	c.hit = append(c.hit, n)
	if c.errored == nil {
		c.errored = map[*sim.Node]bool{}
	}
	c.errored[n] = true
	c.w.After(c.duration(partitionMax), "disk errors stop "+string(n.ID()), func() {
		if c.errored[n] {
			delete(c.errored, n)
			c.w.StopDiskErrors(n)
		}
	})
}

// peer picks the other end of a partition: usually ZooKeeper, else a node.
func (c *chaos) peer(n *sim.Node) sim.Endpoint {
	if c.r.IntN(3) > 0 || len(c.nodes) < 2 {
		return sim.ZKEndpoint
	}
	others := slices.DeleteFunc(slices.Clone(c.nodes), func(o *sim.Node) bool { return o == n })
	return others[c.r.IntN(len(others))].Endpoint()
}

// heal stops the faults and heals the whole cluster: partitions and clogs go,
// crashed nodes restart, clocks run true, no reply is lost. Pauses and an
// outage under way end on their own within their bounds.
func (c *chaos) heal() {
	c.stopped = true
	c.w.SetLostReplyRate(0)
	c.w.Net().HealAll()
	for _, n := range c.nodes {
		if !n.Up() {
			c.w.Restart(n)
		}
		c.w.SetClockRate(n, 1)
	}
	for _, n := range c.w.Nodes() {
		if c.errored[n] {
			delete(c.errored, n)
			c.w.StopDiskErrors(n)
		}
	}
}

// healBound is the longest a fault in progress at heal time can last.
const healBound = max(pauseMax, outageMax)

func (c *chaos) measure(m map[string]float64) {
	total := 0
	for k, n := range c.counts {
		m["fault_"+faultNames[k]] = float64(n)
		total += n
	}
	m["faults"] = float64(total)
	m["lost_reply_rate"] = c.rates.lostReply
}
