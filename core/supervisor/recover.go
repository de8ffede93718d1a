package supervisor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

// A launch record, key "worker/<port>", value {"topology":..,"epoch":..}, is
// written (synced) before every StartWorker and deleted once the port is
// known free and undesired: at every instant each live worker process has a
// record, so a restarted supervisor knows which ports may hold one.
const recordPrefix = "worker/"

type record struct {
	Topology core.TopologyID `json:"topology"`
	Epoch    uint64          `json:"epoch"`
}

func recordKey(p core.Port) []byte { return []byte(recordPrefix + strconv.Itoa(int(p))) }

func encodeRecord(t core.TopologyID, epoch uint64) []byte {
	return protocol.Encode(record{Topology: t, Epoch: epoch})
}

// parseRecordKey returns the port of a launch record's key; false for keys
// that are not launch records (the store holds other things too).
func parseRecordKey(key []byte) (core.Port, bool) {
	digits, ok := strings.CutPrefix(string(key), recordPrefix)
	if !ok {
		return 0, false
	}
	p, err := strconv.ParseUint(digits, 10, 16)
	return core.Port(p), err == nil
}

func decodeRecord(data []byte) (record, error) {
	var r record
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("supervisor: bad launch record: %w", err)
	}
	if r.Topology == "" {
		return r, fmt.Errorf("supervisor: launch record without topology")
	}
	return r, nil
}

// onRestored rebuilds the launched-worker table from the store: a port with
// a record may hold a worker of an earlier incarnation and is watched as
// running, so that its heartbeat adopts it (no restart) or its silence gets
// it stopped; a port without one is free. A record for a port we no longer
// offer is cleaned up: its process, if any, is stopped.
func (m *Machine) onRestored(ev core.Restored) {
	seen := map[core.Port]bool{}
	for _, kv := range ev.Entries {
		port, ok := parseRecordKey(kv.Key)
		if !ok {
			continue
		}
		seen[port] = true
		s := m.slots[port]
		if s == nil {
			m.out = append(m.out, core.StopWorker{Port: port})
			m.unrecord(port)
			continue
		}
		if s.state != slotUnknown {
			continue // a heartbeat got here first
		}
		s.recorded = true
		rec, err := decodeRecord(kv.Value)
		if err != nil {
			m.stats.CorruptRecords++
			m.lastCorrupt = fmt.Sprintf("launch record of port %d: %v", port, err)
			continue // stays unknown: a heartbeat or the start timeout decides
		}
		s.reset(slotRunning, m.now)
		s.topology, s.epoch, s.recovered = rec.Topology, rec.Epoch, true
	}
	for _, p := range m.cfg.Slots {
		if s := m.slots[p]; s.state == slotUnknown && !seen[p] {
			s.reset(slotEmpty, m.now)
		}
	}
}

func (m *Machine) onRecv(ev core.Recv) {
	msg, err := protocol.DecodeMessage(ev.Payload)
	if err != nil {
		m.stats.BadMessages++
		return
	}
	switch msg := msg.(type) {
	case protocol.WorkerHeartbeat:
		m.onHeartbeat(ev.From, msg)
	default:
		m.stats.BadMessages++
	}
}

// onHeartbeat records a worker's heartbeat. A heartbeat from a port where
// we know of no worker comes from an orphan: it is adopted, and reconcile
// stops it if its port is not desired for its topology.
func (m *Machine) onHeartbeat(from core.NodeID, hb protocol.WorkerHeartbeat) {
	s := m.slots[hb.Port]
	if s == nil || hb.Topology == "" || from != protocol.WorkerNode(m.cfg.ID, hb.Port) {
		m.stats.BadMessages++
		return
	}
	switch s.state {
	case slotUnknown, slotEmpty, slotPersisting:
		if s.clearedAt != 0 && m.now.Sub(s.clearedAt) < staleHeartbeatGrace {
			m.stats.StaleHeartbeats++ // the last words of the worker that just ended
			return
		}
		m.adopt(s, hb)
	case slotStarting:
		if hb.Topology == s.topology {
			m.heard(s, hb)
		}
	case slotRunning:
		m.onRunningHeartbeat(s, hb)
	case slotStopping:
		// Being stopped; its heartbeats mean nothing now.
	}
}

// onRunningHeartbeat: a heartbeat naming another topology than the worker
// we started is stale (a worker we started holds the port, or its start
// would have been refused); one that contradicts a recovered record means
// the record is wrong, and whatever runs there is stopped.
func (m *Machine) onRunningHeartbeat(s *slot, hb protocol.WorkerHeartbeat) {
	switch {
	case hb.Topology == s.topology:
		if s.recovered && !s.heartbeated {
			m.stats.Adoptions++
		}
		m.heard(s, hb)
	case s.recovered && !s.heartbeated:
		m.stop(s)
	default:
		m.stats.StaleHeartbeats++
	}
}

func (m *Machine) heard(s *slot, hb protocol.WorkerHeartbeat) {
	if !s.heartbeated {
		s.heartbeated, s.healthySince = true, m.now
	}
	s.lastHeartbeat, s.epoch, s.metrics = m.now, hb.Epoch, hb.Metrics
	// The newest errors (a worker sends them oldest first), bounded even
	// if the worker is not: they ride every heartbeat to nimbus.
	s.errors = hb.Errors[max(0, len(hb.Errors)-protocol.HeartbeatErrorsMax):]
	if w, ok := m.desired[s.port]; ok && w.topology == s.topology && hb.Epoch != w.epoch {
		s.told = false // it missed an assignment: reconcile sends it again
	}
}

// adopt takes over a running worker we did not start in this incarnation,
// and records it so that the next incarnation knows of it too.
func (m *Machine) adopt(s *slot, hb protocol.WorkerHeartbeat) {
	m.stats.Adoptions++
	s.reset(slotRunning, m.now)
	s.topology = hb.Topology
	m.heard(s, hb)
	s.recorded = true
	m.record(s.port, hb.Topology, hb.Epoch)
}
