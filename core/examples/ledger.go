package examples

import (
	"github.com/squall/squall/core"
	"github.com/squall/squall/core/task"
)

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

// TaskLedger is a Ledger that also learns which sink task saw a number,
// so that a checker can see one key reach one task (fields grouping).
type TaskLedger interface {
	SawAt(topology string, seq int64, task core.TaskID)
}

// LedgerService is the key under which a driver hands the sequence
// topology's components their Ledger (task.ExecutorConfig.Services). The
// simulator's scenarios give each run its own, so runs in parallel never
// share one; without it the components keep no ledger.
const LedgerService = "examples.ledger"

// ledgerOf returns the ledger the driver handed the task, nil for none.
func ledgerOf(ctx *task.Context) Ledger {
	l, _ := ctx.Services[LedgerService].(Ledger)
	return l
}
