package dispatch

import "github.com/squall/squall/core"

// Executor runs each kind of effect for one machine. It is declared here,
// by its consumer; each driver implements it over its own world (simulated
// or real). See the package doc for what each method owes.
type Executor interface {
	// Live reports whether the machine's process still runs; Execute asks
	// before each effect and drops the rest once it does not.
	Live() bool
	// Begin sees each effect just before it runs: a driver counts or
	// traces it there.
	Begin(core.Effect)
	Coord(core.Coord)
	// Persist returns once the write is durable, or failed.
	Persist(core.Persist)
	Send(core.Send)
	// StartWorker begins a start and returns without waiting for it.
	StartWorker(core.StartWorker)
	StopWorker(core.StopWorker)
	Log(core.Log)
	Exit(core.Exit)
}

// Execute runs effs in order through x, stopping at the first effect that
// finds x not Live. It returns how many effects ran.
func Execute(x Executor, effs []core.Effect) int {
	for i, e := range effs {
		if !x.Live() {
			return i
		}
		x.Begin(e)
		One(x, e)
	}
	return len(effs)
}

// One routes one effect to its executor. An effect of a kind it does not
// know is a programmer error: the effect set is sealed in core.
func One(x Executor, e core.Effect) {
	switch e := e.(type) {
	case core.Send:
		x.Send(e)
	case core.Coord:
		x.Coord(e)
	case core.Persist:
		x.Persist(e)
	case core.StartWorker:
		x.StartWorker(e)
	case core.StopWorker:
		x.StopWorker(e)
	case core.Log:
		x.Log(e)
	case core.Exit:
		x.Exit(e)
	default:
		core.Assert(false, "dispatch: unknown effect %T", e)
	}
}
