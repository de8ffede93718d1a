package scheduler

import (
	"fmt"
	"strconv"

	"github.com/squall/squall/core"
)

// Resources is an amount on the four scheduling dimensions of JStorm: a
// supervisor's capacity, a task's demand, or a sum of demands. Its fields are
// those of protocol.Resources and topology.Resources, so a conversion
// (scheduler.Resources(r)) moves one into the other.
type Resources struct {
	CPU         core.CPUPercent // 100 is one core
	MemoryMB    core.MemoryMB
	NetworkMbps core.NetworkMbps
	DiskMB      core.DiskMB
}

// Add returns r + o in every dimension. Validated amounts are at most
// ResourceMax each and a plan holds at most TasksMax tasks, so no sum a
// schedule forms can overflow int64.
func (r Resources) Add(o Resources) Resources {
	return Resources{r.CPU + o.CPU, r.MemoryMB + o.MemoryMB, r.NetworkMbps + o.NetworkMbps, r.DiskMB + o.DiskMB}
}

// Sub returns r - o in every dimension; a result may be negative.
func (r Resources) Sub(o Resources) Resources {
	return Resources{r.CPU - o.CPU, r.MemoryMB - o.MemoryMB, r.NetworkMbps - o.NetworkMbps, r.DiskMB - o.DiskMB}
}

// Fits reports whether r fits within capacity in every dimension.
func (r Resources) Fits(capacity Resources) bool {
	return r.CPU <= capacity.CPU && r.MemoryMB <= capacity.MemoryMB &&
		r.NetworkMbps <= capacity.NetworkMbps && r.DiskMB <= capacity.DiskMB
}

// String prints r with units, e.g. "cpu 150, memory 512 MB, network 10 Mbps,
// disk 0 MB".
func (r Resources) String() string {
	return fmt.Sprintf("cpu %d, memory %d MB, network %d Mbps, disk %d MB", r.CPU, r.MemoryMB, r.NetworkMbps, r.DiskMB)
}

// dimensionCount is the number of scheduling dimensions.
const dimensionCount = 4

// dim returns dimension d (0 cpu, 1 memory, 2 network, 3 disk) as a number.
func (r Resources) dim(d int) int64 {
	switch d {
	case 0:
		return int64(r.CPU)
	case 1:
		return int64(r.MemoryMB)
	case 2:
		return int64(r.NetworkMbps)
	}
	core.Assert(d == 3, "resource dimension %d out of range", d)
	return int64(r.DiskMB)
}

// dimAmount prints amount v of dimension d with its name and unit, as
// reasons show it: "cpu 400", "memory 2048 MB".
func dimAmount(d int, v int64) string {
	return [dimensionCount]string{"cpu", "memory", "network", "disk"}[d] + " " + dimValue(d, v)
}

// dimValue prints amount v of dimension d with its unit: "400", "2048 MB".
func dimValue(d int, v int64) string {
	return strconv.FormatInt(v, 10) + [dimensionCount]string{"", " MB", " Mbps", " MB"}[d]
}

// overDim returns the first dimension in which r exceeds limit, or -1.
func (r Resources) overDim(limit Resources) int {
	for d := range dimensionCount {
		if r.dim(d) > limit.dim(d) {
			return d
		}
	}
	return -1
}

// valid reports whether every dimension is within [0, ResourceMax].
func (r Resources) valid() bool {
	for d := range dimensionCount {
		if v := r.dim(d); v < 0 || v > ResourceMax {
			return false
		}
	}
	return true
}

// max returns the larger of r and o in each dimension.
func (r Resources) max(o Resources) Resources {
	return Resources{max(r.CPU, o.CPU), max(r.MemoryMB, o.MemoryMB),
		max(r.NetworkMbps, o.NetworkMbps), max(r.DiskMB, o.DiskMB)}
}

// scale returns r times n, the demand of n workers alike.
func (r Resources) scale(n int32) Resources {
	k := int64(n)
	return Resources{r.CPU * core.CPUPercent(k), r.MemoryMB * core.MemoryMB(k),
		r.NetworkMbps * core.NetworkMbps(k), r.DiskMB * core.DiskMB(k)}
}

// ceilDiv returns r / n rounded up in each dimension: the share of one of n
// workers when r is spread over them.
func (r Resources) ceilDiv(n int32) Resources {
	core.Assert(n > 0, "dividing resources by %d", n)
	k := int64(n)
	up := func(v int64) int64 { return (v + k - 1) / k }
	return Resources{core.CPUPercent(up(int64(r.CPU))), core.MemoryMB(up(int64(r.MemoryMB))),
		core.NetworkMbps(up(int64(r.NetworkMbps))), core.DiskMB(up(int64(r.DiskMB)))}
}

// loadScale is what a full dimension counts in loadOf: parts per million.
const loadScale = 1_000_000

// loadOf is a supervisor's load as its dominant share: the fullest of its
// four dimensions, in parts per million of capacity. An integer, so that
// comparing loads is exact and the same on every platform. A dimension the
// supervisor lacks (capacity 0) counts as full once anything uses it.
func loadOf(used, capacity Resources) int64 {
	var load int64
	for d := range dimensionCount {
		u, c := used.dim(d), capacity.dim(d)
		var share int64
		switch {
		case u <= 0:
			share = 0
		case u >= c:
			share = loadScale
		default:
			share = u * loadScale / c // c ≤ ResourceMax = 2^40, so no overflow
		}
		load = max(load, share)
	}
	return load
}
