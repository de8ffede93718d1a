package core

import (
	"strconv"
	"time"
)

// Time is monotonic time in nanoseconds since the driver started: virtual in the
// simulator, derived from a monotonic clock in real mode. Machines receive it as
// data and never read a clock.
type Time int64

// Add returns t advanced by d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// String prints t as seconds with millisecond precision, e.g. "12.345s".
func (t Time) String() string {
	ms := int64(t) / int64(time.Millisecond)
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	frac := strconv.FormatInt(ms%1000+1000, 10)[1:]
	return sign + strconv.FormatInt(ms/1000, 10) + "." + frac + "s"
}

// NodeID names a process in the cluster: a nimbus, a supervisor, a worker, or an
// election candidate.
type NodeID string

// OpID ties an effect whose outcome matters to the event that reports it.
// Each machine allocates its own, strictly increasing from 1.
type OpID uint64

// SessionID is a ZooKeeper session id. Zero means no session.
type SessionID int64

// TopologyID names a submitted topology.
type TopologyID string

// SupervisorID names a supervisor, one per host.
type SupervisorID string

// TaskID is a task's index within its topology.
type TaskID int32

// Port is a worker slot on a supervisor.
type Port uint16

// CPUPercent is processor capacity or demand where 100 is one core.
type CPUPercent int64

// MemoryMB is memory in mebibytes.
type MemoryMB int64

// NetworkMbps is network bandwidth in megabits per second.
type NetworkMbps int64

// DiskMB is disk space in mebibytes.
type DiskMB int64
