//go:build !linux

package procs

import "errors"

// supported: the runner reads /proc and calls waitid, both Linux only.
const supported = false

var errNoProcess = errors.New("procs: no such process")

type procStat struct {
	state      byte
	startTicks uint64
}

func (s procStat) dead() bool { return true }

func awaitExit(int) error                { return errUnsupported }
func readStat(int) (procStat, error)     { return procStat{}, errUnsupported }
func parseStat([]byte) (procStat, error) { return procStat{}, errUnsupported }
func bootID() (string, error)            { return "", errUnsupported }
