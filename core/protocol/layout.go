package protocol

import (
	"strconv"
	"strings"

	"github.com/squall/squall/core"
)

// Layout names the znodes under a root (default "/squall").
type Layout struct{ Root string }

// DefaultRoot is the default ZooKeeper root.
const DefaultRoot = "/squall"

func (l Layout) root() string {
	if l.Root == "" {
		return DefaultRoot
	}
	return strings.TrimSuffix(l.Root, "/")
}

// Base is the root itself.
func (l Layout) Base() string { return l.root() }

// Supervisors is the parent of supervisors' ephemeral nodes.
func (l Layout) Supervisors() string { return l.root() + "/supervisors" }

// Supervisor is one supervisor's ephemeral node.
func (l Layout) Supervisor(id core.SupervisorID) string {
	return l.Supervisors() + "/" + string(id)
}

// Topologies is the parent of topology records.
func (l Layout) Topologies() string { return l.root() + "/topologies" }

// Topology is one topology's record.
func (l Layout) Topology(id core.TopologyID) string { return l.Topologies() + "/" + string(id) }

// Assignments is the parent of assignments.
func (l Layout) Assignments() string { return l.root() + "/assignments" }

// Assignment is one topology's assignment.
func (l Layout) Assignment(id core.TopologyID) string { return l.Assignments() + "/" + string(id) }

// Nimbus is the parent of the nimbus election's nodes.
func (l Layout) Nimbus() string { return l.root() + "/nimbus" }

// Election is the parent of the nimbus candidates' ephemeral sequential
// nodes (see core/election).
func (l Layout) Election() string { return l.Nimbus() + "/election" }

// Leader is the ephemeral node the leading nimbus holds (see core/election).
func (l Layout) Leader() string { return l.Nimbus() + "/leader" }

// Parents lists the persistent nodes every daemon may create at start, in
// creation order (a NodeExists answer is expected and fine).
func (l Layout) Parents() []string {
	return []string{l.root(), l.Supervisors(), l.Topologies(), l.Assignments()}
}

// WorkerNode is the node id of the worker process on a supervisor's port: the
// address supervisors and workers send to.
func WorkerNode(sup core.SupervisorID, port core.Port) core.NodeID {
	return core.NodeID(string(sup) + ":" + strconv.Itoa(int(port)))
}
