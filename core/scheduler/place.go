package scheduler

import (
	"cmp"
	"slices"

	"github.com/squall/squall/core"
)

// placement is one topology's attempt to place every task it lacks on a set
// of candidate supervisors. It changes the cluster directly; the caller rolls
// back when it returns a reason.
//
// The balance rule is kept by quotas: n tasks over want workers give each
// worker n/want tasks, and n%want of them one more. Kept workers take the
// larger quotas first, so that after a failure the lost tasks refill exactly
// the quotas the lost workers had. A kept task never moves here: a kept
// worker above its quota (Workers grew without a rebalance) keeps its
// surplus, and only the unplaced tasks are spread.
type placement struct {
	c        *cluster
	t        int32
	topo     *topoState
	cand     []int32   // candidate supervisors, ascending
	ws       []int32   // the topology's workers: kept ones first, then opened ones
	rem      []int32   // per ws entry: tasks it may still take under its quota
	unplaced int32     // tasks without a worker
	demand   Resources // their summed demand
	estimate Resources // the expected demand of one new worker
	smallest Resources // the least demand of an unplaced task, per dimension
	base     int32     // the smaller quota
	extra    int32     // how many workers get base+1
}

// placeOn places what topology t lacks on the candidate supervisors cand,
// or returns why it cannot.
func (c *cluster) placeOn(t int32, cand []int32) string {
	p := c.newPlacement(t, cand)
	defer p.finish()
	if p.unplaced == 0 {
		return "" // nothing lost: the common sticky case
	}
	if reason := p.precheck(); reason != "" {
		return reason
	}
	p.setQuotas()
	p.openWorkers()
	if reason := p.deal(); reason != "" {
		return reason
	}
	p.closeEmpty()
	p.checkComplete()
	return ""
}

func (c *cluster) newPlacement(t int32, cand []int32) *placement {
	topo := &c.topos[t]
	p := &placement{c: c, t: t, topo: topo, cand: cand, rem: c.scratch.rem[:0]}
	p.ws = c.workersOf(t, c.scratch.ws)
	core.Assert(int32(len(p.ws)) <= topo.want, "topology %s holds %d workers, wants %d", topo.spec.ID, len(p.ws), topo.want)
	for i := topo.first; i < topo.end; i++ {
		if ts := &c.tasks[i]; ts.worker == none {
			p.unplaced++
			p.demand = p.demand.Add(ts.demand)
		}
	}
	p.groupTasks()
	return p
}

// groupTasks sorts the topology's tasks into per-component buckets, each by
// task ID: a counting sort, linear in the topology's size.
func (p *placement) groupTasks() {
	s := &p.c.scratch
	comps := int32(len(p.topo.comps))
	s.compOff = slices.Grow(s.compOff[:0], int(comps)+1)[:comps+1]
	clear(s.compOff)
	for i := p.topo.first; i < p.topo.end; i++ {
		s.compOff[p.c.tasks[i].comp+1]++
	}
	for ci := range comps {
		s.compOff[ci+1] += s.compOff[ci]
	}
	n := p.topo.end - p.topo.first
	s.compTasks = slices.Grow(s.compTasks[:0], int(n))[:n]
	next := append(s.next[:0], s.compOff[:comps]...)
	for i := p.topo.first; i < p.topo.end; i++ {
		ci := p.c.tasks[i].comp
		s.compTasks[next[ci]] = i
		next[ci]++
	}
	s.next = next
}

// bucket returns the topology's tasks of component ci, by ID.
func (p *placement) bucket(ci int32) []int32 {
	s := &p.c.scratch
	return s.compTasks[s.compOff[ci]:s.compOff[ci+1]]
}

// unplacedOf counts the tasks of component ci without a worker.
func (p *placement) unplacedOf(ci int32) int32 {
	n := int32(0)
	for _, task := range p.bucket(ci) {
		if p.c.tasks[task].worker == none {
			n++
		}
	}
	return n
}

// finish clears the scratch numbering and counters the placement used.
func (p *placement) finish() {
	p.c.forget(p.ws)
	s := &p.c.scratch
	for _, sup := range s.touched {
		s.supWorkers[sup], s.supNew[sup] = 0, 0
	}
	s.touched = s.touched[:0]
	s.ws, s.rem = p.ws[:0], p.rem[:0]
}

// setQuotas orders the kept workers by task count and gives them the larger
// quotas first.
func (p *placement) setQuotas() {
	c := p.c
	n := p.topo.end - p.topo.first
	p.base, p.extra = n/p.topo.want, n%p.topo.want
	slices.SortFunc(p.ws, func(a, b int32) int {
		wa, wb := &c.workers[a], &c.workers[b]
		return cmp.Or(cmp.Compare(wb.count, wa.count), cmp.Compare(wa.sup, wb.sup), cmp.Compare(wa.slot, wb.slot))
	})
	for i, w := range p.ws {
		c.workers[w].local = int32(i)
		p.rem = append(p.rem, max(p.quotaAt(i)-c.workers[w].count, 0))
	}
}

// quotaAt is the quota of the i-th worker in ws order.
func (p *placement) quotaAt(i int) int32 {
	if int32(i) < p.extra {
		return p.base + 1
	}
	return p.base
}

// checkComplete asserts the postcondition of a successful placement.
func (p *placement) checkComplete() {
	for i := p.topo.first; i < p.topo.end; i++ {
		if p.c.tasks[i].worker == none { // tested first: Assert's arguments would allocate
			core.Assert(false, "topology %s: task %d left unplaced by a successful turn", p.topo.spec.ID, p.c.tasks[i].id)
		}
	}
	open := 0
	for _, w := range p.ws {
		if !p.c.workers[w].closed {
			open++
		}
	}
	core.Assert(int32(open) <= p.topo.want, "topology %s: %d workers, wants %d", p.topo.spec.ID, open, p.topo.want)
}

// closeEmpty closes opened workers that got no task (pins or capacity can
// leave one empty); a topology never keeps an idle slot.
func (p *placement) closeEmpty() {
	for _, w := range p.ws {
		if p.c.workers[w].count == 0 {
			p.c.close(w)
		}
	}
}
