package topology

// Rebalance changes how a running topology is spread, never what its tasks
// are: task counts are fixed for a topology's life, because fields groupings
// hash onto them and workers route by task id. Both functions below keep
// Tasks(t) unchanged.

// WithParallelism returns a validated copy of t in which component runs n
// executors; n must be between 1 and the component's task count. Only spouts
// and bolts can be changed: the acker's parallelism follows its task count.
func WithParallelism(t *Topology, component string, n int) (*Topology, error) {
	if err := Validate(t); err != nil {
		return nil, err
	}
	c := canonical(t)
	comp, ok := c.Component(component)
	if !ok {
		v := &validator{}
		v.add(segment(component), ErrUnknownComponent, "no spout or bolt %q to rebalance", component)
		return nil, v.err(t.Name)
	}
	comp.Parallelism = n
	if err := Validate(c); err != nil {
		return nil, err
	}
	return c, nil
}

// WithWorkers returns a validated copy of t that runs on n workers. Where t
// runs one acker per worker, the copy keeps t's acker count: the acker tasks,
// like all tasks, are fixed when the topology is submitted (as Storm fixes
// topology.acker.executors at submission).
func WithWorkers(t *Topology, n int) (*Topology, error) {
	if err := Validate(t); err != nil {
		return nil, err
	}
	c := canonical(t)
	c.Config.Ackers = c.Config.AckerTasks()
	c.Config.Workers = n
	if err := Validate(c); err != nil {
		return nil, err
	}
	return c, nil
}
