package realnet

import (
	"time"

	"github.com/squall/squall/core"
)

// NewClock returns a monotonic clock in core.Time that starts at the wall
// clock's reading now: the default of DriverConfig.Now. A driver and the
// worker it steps share one, so that the worker times sampled tuples
// (worker.Config.Clock) in the time base of the now it is stepped with.
func NewClock() func() core.Time {
	anchor := time.Now()
	wall := core.Time(anchor.UnixNano())
	return func() core.Time { return wall + core.Time(time.Since(anchor)) }
}
