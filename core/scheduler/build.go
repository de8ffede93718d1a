package scheduler

import (
	"cmp"
	"maps"
	"slices"

	"github.com/squall/squall/core"
)

// newCluster indexes a validated input. Everything is sorted here, once, so
// that no input order and no map iteration can reach the plan.
func newCluster(in Input) *cluster {
	c := &cluster{}
	c.buildSupervisors(in.Supervisors, in.DeadSlots)
	c.buildTopologies(in)
	return c
}

func (c *cluster) buildSupervisors(supervisors []Supervisor, deadSlots []Slot) {
	sorted := slices.Clone(supervisors)
	slices.SortFunc(sorted, func(a, b Supervisor) int { return cmp.Compare(a.ID, b.ID) })
	names := make([]string, 0, len(sorted))
	for _, s := range sorted {
		names = append(names, s.Host)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	c.hostByName = make(map[string]int32, len(names))
	c.hosts = make([]hostState, len(names))
	for h, name := range names {
		c.hostByName[name] = int32(h)
		c.hosts[h] = hostState{name: name, claim: none}
	}
	dead := make(map[Slot]bool, len(deadSlots))
	for _, sl := range deadSlots {
		dead[sl] = true
	}
	c.supByID = make(map[core.SupervisorID]int32, len(sorted))
	c.sups = make([]supState, len(sorted))
	for i, s := range sorted {
		h := c.hostByName[s.Host]
		c.hosts[h].sups = append(c.hosts[h].sups, int32(i))
		c.supByID[s.ID] = int32(i)
		c.sups[i] = supState{id: s.ID, host: h, capacity: s.Capacity, slots: buildSlots(s, dead)}
		for _, sl := range c.sups[i].slots {
			if !sl.dead {
				c.sups[i].free++
			}
		}
	}
	c.scratch.init(len(c.sups))
}

func buildSlots(s Supervisor, dead map[Slot]bool) []slotState {
	ports := slices.Sorted(slices.Values(s.Slots))
	slots := make([]slotState, len(ports))
	for i, p := range ports {
		slots[i] = slotState{port: p, dead: dead[Slot{s.ID, p}], worker: none}
	}
	return slots
}

// topologyBefore is the processing order: isolated topologies first (they
// take whole hosts, so they must choose before hosts fill up), then by
// priority, lower first, then by ID.
func topologyBefore(a, b *Topology) int {
	if a.Isolated != b.Isolated {
		if a.Isolated {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(a.Priority, b.Priority), cmp.Compare(a.ID, b.ID))
}

func (c *cluster) buildTopologies(in Input) {
	order := make([]*Topology, len(in.Topologies))
	total := 0
	for i := range in.Topologies {
		order[i] = &in.Topologies[i]
		total += len(in.Topologies[i].Tasks)
	}
	slices.SortFunc(order, topologyBefore)
	rebalance := make(map[core.TopologyID]bool, len(in.Rebalance))
	for _, id := range in.Rebalance {
		rebalance[id] = true
	}
	c.topos = make([]topoState, len(order))
	c.tasks = make([]taskState, 0, total)
	for t, spec := range order {
		topo := &c.topos[t]
		topo.spec = spec
		topo.first = int32(len(c.tasks))
		comps, index := c.buildComponents(spec)
		topo.comps = comps
		slots := c.appendTasks(int32(t), spec, index, in.Current[spec.ID])
		topo.end = int32(len(c.tasks))
		topo.want = int32(min(spec.Workers, len(spec.Tasks)))
		topo.replan = rebalance[spec.ID] || slots > int(topo.want)
	}
}

// appendTasks adds topology t's tasks, by ID, with their current slots
// resolved to indices. It returns how many distinct slots they currently
// use, gone ones included: the worker count the topology now has.
func (c *cluster) appendTasks(t int32, spec *Topology, index map[string]int32, current map[core.TaskID]Slot) int {
	first := len(c.tasks)
	var goneSlots map[Slot]bool // rare: allocated on the first gone slot
	slots := 0
	for _, task := range spec.Tasks {
		ts := taskState{id: task.ID, topo: t, comp: index[task.Component], demand: task.Demand,
			worker: none, curSup: none, curSlot: none}
		if slot, ok := current[task.ID]; ok {
			ts.curSup, ts.curSlot = c.resolve(slot)
			switch {
			case ts.curSup == gone && !goneSlots[slot]:
				if goneSlots == nil {
					goneSlots = map[Slot]bool{}
				}
				goneSlots[slot] = true
				slots++
			case ts.curSup >= 0 && c.sups[ts.curSup].slots[ts.curSlot].seen != t+1:
				c.sups[ts.curSup].slots[ts.curSlot].seen = t + 1
				slots++
			}
		}
		c.tasks = append(c.tasks, ts)
	}
	slices.SortFunc(c.tasks[first:], func(a, b taskState) int { return cmp.Compare(a.id, b.id) })
	return slots
}

// resolve finds a slot's supervisor and slot indices, or (gone, none).
func (c *cluster) resolve(slot Slot) (sup, index int32) {
	s, ok := c.supByID[slot.Supervisor]
	if !ok {
		return gone, none
	}
	i, found := slices.BinarySearchFunc(c.sups[s].slots, slot.Port, func(sl slotState, p core.Port) int { return cmp.Compare(sl.port, p) })
	if !found {
		return gone, none
	}
	return s, int32(i)
}

// buildComponents indexes a topology's components by name, with their task
// counts, pins and edges. It returns them with their index by name.
func (c *cluster) buildComponents(spec *Topology) ([]compState, map[string]int32) {
	counts := map[string]int32{}
	for _, task := range spec.Tasks {
		counts[task.Component]++
	}
	index := make(map[string]int32, len(counts))
	comps := make([]compState, 0, len(counts))
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		index[name] = int32(len(comps))
		comps = append(comps, compState{name: name, tasks: counts[name]})
	}
	for _, e := range spec.Edges {
		a, b := index[e.From], index[e.To]
		if a != b {
			comps[a].neighbors = append(comps[a].neighbors, b)
			comps[b].neighbors = append(comps[b].neighbors, a)
		}
	}
	for i := range comps {
		slices.Sort(comps[i].neighbors)
		comps[i].neighbors = slices.Compact(comps[i].neighbors)
	}
	for name, hosts := range spec.Pins {
		c.buildPin(&comps[index[name]], hosts)
	}
	return comps, index
}

// buildPin records the hosts a component is pinned to: all names for
// reasons, and the live ones by index.
func (c *cluster) buildPin(cs *compState, hosts []string) {
	cs.pinned = true
	cs.pinNames = slices.Compact(slices.Sorted(slices.Values(hosts)))
	for _, name := range cs.pinNames {
		if h, ok := c.hostByName[name]; ok {
			cs.pinHosts = append(cs.pinHosts, h)
		}
	}
	slices.Sort(cs.pinHosts)
}
