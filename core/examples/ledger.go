package examples

// Ledger is storage outside every worker process (a database, a Kafka
// topic's committed offsets) that the sequence spout and the sink use: the
// sink records what it saw, the spout records what was acknowledged and,
// after a restart, skips numbers already acknowledged, as a spout resumes
// from committed offsets.
type Ledger interface {
	Saw(topology string, seq int64)
	Acked(topology string, seq int64)
	IsAcked(topology string, seq int64) bool
}

// ledger is the process's ledger; nil: none.
var ledger Ledger

// SetLedger installs the ledger the sequence topology's components use. The
// simulator's scenarios set it; it is not safe for concurrent use.
func SetLedger(l Ledger) { ledger = l }
