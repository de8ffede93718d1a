package httpapi

import "github.com/squall/squall/core/protocol"

// The latencies and capacity of a window's counts, as Storm UI's strings.
// Workers do not measure them yet: they are "" (unknown), never a number
// nobody measured.
func completeMs(protocol.Counts) string { return "" }
func executeMs(protocol.Counts) string  { return "" }
func processMs(protocol.Counts) string  { return "" }
func capacity(protocol.Counts) string   { return "" }

// latencyMs and capacityOf are the same as numbers for the visualization (0
// when unknown).
func latencyMs(kind string, c protocol.Counts) float64 { return 0 }
func capacityOf(protocol.Counts) float64               { return 0 }
