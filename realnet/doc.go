// Package realnet will hold the real-mode drivers: the TCP transport
// (length-prefixed frames, batching, write coalescing, reconnect with bounded
// backoff) and the real-time driver that gives each core machine one
// goroutine, an input channel, a ticker and executors for its effects.
//
// It is empty until the real-daemons work lands (issue 5); the simulator in
// package sim is today's only driver.
package realnet
