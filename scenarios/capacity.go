package scenarios

import (
	"math/rand/v2"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/topology"
)

// tightDims are the resource dimensions a spec may make tight.
var tightDims = []string{"cpu", "memory_mb", "network_mbps", "disk_mb"}

// capacityOf is supervisor i's (1-based) capacity: the shape's, with the
// tight dimension's capacity from the list.
func (s clusterShape) capacityOf(i int) protocol.Resources {
	c := s.capacity
	if s.tight == "" || len(s.tightCapacity) == 0 {
		return c
	}
	v := int64(s.tightCapacity[min(i, len(s.tightCapacity))-1])
	return protocol.Resources(setDim(topology.Resources(c), s.tight, v))
}

// setDim returns r with dimension dim set to v.
func setDim(r topology.Resources, dim string, v int64) topology.Resources {
	switch dim {
	case "cpu":
		r.CPU = core.CPUPercent(v)
	case "memory_mb":
		r.MemoryMB = core.MemoryMB(v)
	case "network_mbps":
		r.NetworkMbps = core.NetworkMbps(v)
	case "disk_mb":
		r.DiskMB = core.DiskMB(v)
	}
	return r
}

// withDemand sets every task's demand on dim to v.
func withDemand(t *topology.Topology, dim string, v int) *topology.Topology {
	for _, cs := range [][]topology.Component{t.Spouts, t.Bolts} {
		for i := range cs {
			cs[i].Resources = setDim(cs[i].Resources, dim, int64(v))
		}
	}
	return t
}

// specTopology builds a spec's topology as its submit sends it.
func (e *engine) specTopology(t TopologySpec) *topology.Topology {
	if t.Example == "wordcount" && !e.spec.Cluster.DataPlane {
		spec, err := topology.Decode(wordcountSubmit(t.Name, t.Workers, 2).Spec)
		core.Assert(err == nil, "scenario topology: %v", err)
		return spec
	}
	spec, err := e.topology(t)
	core.Assert(err == nil, "scenario topology %s: %v", t.Name, err)
	return spec
}

// Swarm capacity: one seed in swarmTightOneIn makes one drawn dimension
// tight: every task demands swarmTaskDemand on it, a few small supervisors
// hold 1 to 3 tasks' worth and the others an even share of every task and
// room for the largest topology on one worker besides, so the scheduler must steer around the small ones.
const (
	swarmCapacitySalt = 0x63617061_63697479 // "capacity"
	swarmTightOneIn   = 3
	swarmTaskDemand   = 100
)

// swarmCapacity draws the seed's tight dimension, if any. Stickiness is
// not expected then: a placement that blocks a fit is replanned afresh.
func swarmCapacity(seed uint64, s *Spec) {
	r := rand.New(rand.NewPCG(seed, swarmCapacitySalt))
	if r.IntN(swarmTightOneIn) != 0 || len(s.Topologies) == 0 {
		return
	}
	e := &engine{spec: s}
	total, largest, workers := 0, 0, 1 // one more: a rebalance may grow the ops topology
	for i := range s.Topologies {
		t := &s.Topologies[i]
		workers += t.Workers
		t.Demand = swarmTaskDemand
		n := len(topology.Tasks(e.specTopology(*t)))
		total += n
		largest = max(largest, n) // a rebalance may put them on one worker
	}
	n := s.Cluster.Supervisors
	small := 1 + r.IntN(max(1, n/2))
	for small > 0 && (n-small)*s.Cluster.Slots < workers {
		small-- // the big supervisors' slots must hold every worker
	}
	if small == 0 {
		return
	}
	big := (total+n-small-1)/(n-small) + largest + 2
	caps := make([]int, n)
	for i := range caps {
		caps[i] = big * swarmTaskDemand
		if i < small {
			caps[i] = (1 + r.IntN(3)) * swarmTaskDemand
		}
	}
	r.Shuffle(n, func(i, j int) { caps[i], caps[j] = caps[j], caps[i] })
	s.Cluster.Tight, s.Cluster.TightCapacity = tightDims[r.IntN(len(tightDims))], caps
	s.Expect = slicesDeleteCheck(s.Expect, "sticky")
}

func slicesDeleteCheck(xs []Expectation, check string) []Expectation {
	out := xs[:0]
	for _, x := range xs {
		if x.Check != check {
			out = append(out, x)
		}
	}
	return out
}
