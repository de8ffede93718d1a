package httpapi

import "github.com/squall/squall/core/protocol"

// The latencies (average milliseconds, weighted by the tasks' samples) and
// capacity of a window's counts, as Storm UI's strings; "0.000" without
// samples, as Storm shows them.
func completeMs(c protocol.Counts) string { return decimal3(c.CompleteLatency.Ms()) }
func executeMs(c protocol.Counts) string  { return decimal3(c.ExecuteLatency.Ms()) }
func processMs(c protocol.Counts) string  { return decimal3(c.ProcessLatency.Ms()) }
func capacity(c protocol.Counts) string   { return decimal3(c.Capacity) }

// latencyMs is the latency the visualization shows of a component:
// complete for a spout, process for a bolt, as Storm UI's.
func latencyMs(kind string, c protocol.Counts) float64 {
	if kind == "spout" {
		return c.CompleteLatency.Ms()
	}
	return c.ProcessLatency.Ms()
}

func capacityOf(c protocol.Counts) float64 { return c.Capacity }
