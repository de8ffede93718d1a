package topology

import (
	"fmt"

	"github.com/squall/squall/core"
)

// Resources is demand or capacity on the four scheduling dimensions of JStorm
// and Storm's resource-aware scheduler. Its JSON form matches
// protocol.Resources.
type Resources struct {
	CPU         core.CPUPercent  `json:"cpu"` // 100 is one core
	MemoryMB    core.MemoryMB    `json:"memory_mb"`
	NetworkMbps core.NetworkMbps `json:"network_mbps"`
	DiskMB      core.DiskMB      `json:"disk_mb"`
}

// DefaultResources is a task's demand when its author states none: a tenth of
// a core and 128 MB, as Storm's resource-aware scheduler assumes.
func DefaultResources() Resources { return Resources{CPU: 10, MemoryMB: 128} }

// AckerResources is the demand of one acker task: it keeps about 20 bytes per
// pending tuple tree and does one XOR per ack.
func AckerResources() Resources { return Resources{CPU: 10, MemoryMB: 64} }

// Add returns r + o in every dimension. Validated demands are bounded by
// ResourceMax, so sums over any realistic cluster cannot overflow.
func (r Resources) Add(o Resources) Resources {
	return Resources{r.CPU + o.CPU, r.MemoryMB + o.MemoryMB, r.NetworkMbps + o.NetworkMbps, r.DiskMB + o.DiskMB}
}

// Sub returns r - o in every dimension; a result may be negative.
func (r Resources) Sub(o Resources) Resources {
	return Resources{r.CPU - o.CPU, r.MemoryMB - o.MemoryMB, r.NetworkMbps - o.NetworkMbps, r.DiskMB - o.DiskMB}
}

// Mul returns r scaled by n, the demand of n tasks alike.
func (r Resources) Mul(n int) Resources {
	k := int64(n)
	return Resources{r.CPU * core.CPUPercent(k), r.MemoryMB * core.MemoryMB(k),
		r.NetworkMbps * core.NetworkMbps(k), r.DiskMB * core.DiskMB(k)}
}

// Fits reports whether demand r fits within capacity in every dimension.
func (r Resources) Fits(capacity Resources) bool { return len(r.over(capacity)) == 0 }

// String prints r with the dimension names of its JSON form.
func (r Resources) String() string {
	return fmt.Sprintf("cpu=%d memory_mb=%d network_mbps=%d disk_mb=%d", r.CPU, r.MemoryMB, r.NetworkMbps, r.DiskMB)
}

// resourceDim is one dimension of a Resources, as a plain number.
type resourceDim struct {
	name string
	v    int64
}

func (r Resources) dims() [4]resourceDim {
	return [4]resourceDim{
		{"cpu", int64(r.CPU)},
		{"memory_mb", int64(r.MemoryMB)},
		{"network_mbps", int64(r.NetworkMbps)},
		{"disk_mb", int64(r.DiskMB)},
	}
}

// over describes each dimension where demand r exceeds capacity, e.g.
// "cpu 400 > 200".
func (r Resources) over(capacity Resources) []string {
	var out []string
	have := capacity.dims()
	for i, d := range r.dims() {
		if d.v > have[i].v {
			out = append(out, fmt.Sprintf("%s %d > %d", d.name, d.v, have[i].v))
		}
	}
	return out
}
