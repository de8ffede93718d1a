package procs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core"
)

// record is what the runner keeps durably about one worker process it
// started, under recordKey(Port), from just after the start until its exit
// was seen. A later incarnation of the runner adopts the process from it.
type record struct {
	Port     core.Port       `json:"port"`
	PID      int             `json:"pid"`
	Topology core.TopologyID `json:"topology"`
	Epoch    uint64          `json:"epoch"`
	// BootID and StartTicks (field 22 of /proc/<pid>/stat, clock ticks after
	// boot) tell this process from a later one that reuses its pid.
	BootID     string    `json:"boot_id"`
	StartTicks uint64    `json:"start_ticks"`
	Started    time.Time `json:"started"` // wall clock, for people and status
}

// recordPrefix prefixes every record key; the port follows, zero-padded so
// keys sort in port order.
const recordPrefix = "worker/"

func recordKey(port core.Port) []byte {
	return fmt.Appendf(nil, "%s%05d", recordPrefix, port)
}

func (r record) encode() []byte {
	b, err := json.Marshal(r)
	core.Assert(err == nil, "procs: encode record: %v", err)
	return b
}

// decodeRecord parses a record stored under key. A record that does not parse
// or does not match its key is corrupt: never trusted.
func decodeRecord(key, value []byte) (record, error) {
	var r record
	if err := json.Unmarshal(value, &r); err != nil {
		return record{}, fmt.Errorf("procs: corrupt record %s: %w", key, err)
	}
	port, err := strconv.ParseUint(strings.TrimPrefix(string(key), recordPrefix), 10, 16)
	switch {
	case err != nil || core.Port(port) != r.Port:
		return record{}, fmt.Errorf("procs: corrupt record %s: port %d", key, r.Port)
	case r.PID <= 1:
		return record{}, fmt.Errorf("procs: corrupt record %s: pid %d", key, r.PID)
	}
	return r, nil
}

// sameProcess reports whether the process the record names still runs: its
// pid exists in this boot, is not a zombie, and started at the recorded
// tick. A pid reused by another process fails the last test.
func (r record) sameProcess(boot string) bool {
	if r.BootID != boot {
		return false
	}
	st, err := readStat(r.PID)
	return err == nil && !st.dead() && st.startTicks == r.StartTicks
}
