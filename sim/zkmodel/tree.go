package zkmodel

import (
	"slices"

	"github.com/squall/squall/core"
)

// node is one znode. Its path is its key in Server.nodes.
//
// Its stat.Cversion counts child creations only, as ZooKeeper's stored stat
// (StatPersisted) does: it names sequential children. Clients see it through
// visibleStat, which counts deletions too.
type node struct {
	data     []byte // owned by the node: copied in, copied out
	stat     core.Stat
	children []string // child names, sorted; len == stat.NumChildren
}

// visibleStat is the stat a reply carries. ZooKeeper (DataNode.copyStat)
// reports the child version as "v3 semantics", the number of child changes:
// every creation, plus a deletion for each child created and no longer
// there, that is 2*creations - NumChildren.
func (n *node) visibleStat() core.Stat {
	st := n.stat
	st.Cversion = 2*st.Cversion - st.NumChildren
	return st
}

// The write operations below check everything first and change nothing when
// they fail. When they succeed they stamp the transaction's zxid (the one
// commit will take), record how to undo the change (a multi may still fail)
// and the trigger to fire at commit.

// txnZxid is the zxid of the transaction being applied.
func (s *Server) txnZxid() int64 { return s.zxid + 1 }

func (s *Server) create(owner core.SessionID, op core.Create) core.Reply {
	seq := op.Mode.IsSequential()
	if op.Mode > core.EphemeralSequential || !validPath(op.Path, seq) || len(op.Data) > core.DataBytesMax {
		return core.Reply{Code: core.CodeBadArguments}
	}
	if op.Path == "/" && !seq {
		return core.Reply{Code: core.CodeNodeExists}
	}
	parentPath := parentOf(op.Path)
	parent := s.nodes[parentPath]
	if parent == nil {
		return core.Reply{Code: core.CodeNoNode}
	}
	path := op.Path
	if seq {
		path += sequenceSuffix(parent.stat.Cversion)
	}
	if s.nodes[path] != nil {
		return core.Reply{Code: core.CodeNodeExists}
	}
	if parent.stat.EphemeralOwner != 0 {
		return core.Reply{Code: core.CodeNoChildrenForEphemerals}
	}

	zxid := s.txnZxid()
	n := &node{
		data: cloneData(op.Data),
		stat: core.Stat{Czxid: zxid, Mzxid: zxid, Pzxid: zxid, DataLength: int32(len(op.Data))},
	}
	if op.Mode.IsEphemeral() {
		n.stat.EphemeralOwner = owner
		s.sessions[owner].ephemerals[path] = struct{}{}
	}
	s.undo = append(s.undo, undoRecord{kind: undoCreate, path: path, node: n, parentStat: parent.stat})
	s.nodes[path] = n
	parent.children = insertName(parent.children, nameOf(path))
	parent.stat.Cversion++
	parent.stat.Pzxid = zxid
	parent.stat.NumChildren++
	assertChildren(parentPath, parent)
	s.triggers = append(s.triggers, trigger{event: core.NodeCreated, path: path})
	return core.Reply{Code: core.CodeOK, Path: path}
}

func (s *Server) delete(op core.Delete) core.Reply {
	if !validPath(op.Path, false) || op.Path == "/" {
		return core.Reply{Code: core.CodeBadArguments}
	}
	n := s.nodes[op.Path]
	if n == nil {
		return core.Reply{Code: core.CodeNoNode}
	}
	// ZooKeeper checks the version before the children.
	if !versionMatches(op.Version, n.stat.Version) {
		return core.Reply{Code: core.CodeBadVersion}
	}
	if len(n.children) > 0 {
		return core.Reply{Code: core.CodeNotEmpty}
	}

	parentPath := parentOf(op.Path)
	parent := s.nodes[parentPath]
	core.Assert(parent != nil, "zkmodel: %s has no parent", op.Path)
	s.undo = append(s.undo, undoRecord{kind: undoDelete, path: op.Path, node: n, parentStat: parent.stat})
	delete(s.nodes, op.Path)
	if owner := n.stat.EphemeralOwner; owner != 0 {
		delete(s.owner(owner, op.Path).ephemerals, op.Path)
	}
	parent.children = removeName(parent.children, nameOf(op.Path))
	parent.stat.Pzxid = s.txnZxid() // the stored Cversion counts creations only
	parent.stat.NumChildren--
	assertChildren(parentPath, parent)
	s.triggers = append(s.triggers, trigger{event: core.NodeDeleted, path: op.Path})
	return core.Reply{Code: core.CodeOK}
}

func (s *Server) setData(op core.SetData) core.Reply {
	if !validPath(op.Path, false) || len(op.Data) > core.DataBytesMax {
		return core.Reply{Code: core.CodeBadArguments}
	}
	n := s.nodes[op.Path]
	if n == nil {
		return core.Reply{Code: core.CodeNoNode}
	}
	if !versionMatches(op.Version, n.stat.Version) {
		return core.Reply{Code: core.CodeBadVersion}
	}
	s.undo = append(s.undo, undoRecord{kind: undoSetData, path: op.Path, node: n, data: n.data, stat: n.stat})
	n.data = cloneData(op.Data)
	n.stat.Version = nextVersion(n.stat.Version)
	n.stat.Mzxid = s.txnZxid()
	n.stat.DataLength = int32(len(op.Data))
	s.triggers = append(s.triggers, trigger{event: core.NodeDataChanged, path: op.Path})
	return core.Reply{Code: core.CodeOK, Stat: n.visibleStat()}
}

// check is a version check; it changes nothing even when it succeeds.
func (s *Server) check(op core.Check) core.Reply {
	if !validPath(op.Path, false) {
		return core.Reply{Code: core.CodeBadArguments}
	}
	n := s.nodes[op.Path]
	if n == nil {
		return core.Reply{Code: core.CodeNoNode}
	}
	if !versionMatches(op.Version, n.stat.Version) {
		return core.Reply{Code: core.CodeBadVersion}
	}
	return core.Reply{Code: core.CodeOK}
}

// Reads. A read on a missing node leaves no watch, except Exists, whose
// watch is how a client waits for a node to appear.

func (s *Server) getData(id core.SessionID, op core.GetData) core.Reply {
	if !validPath(op.Path, false) {
		return core.Reply{Code: core.CodeBadArguments}
	}
	n := s.nodes[op.Path]
	if n == nil {
		return core.Reply{Code: core.CodeNoNode}
	}
	if op.Watch {
		s.addWatch(watchData, op.Path, id)
	}
	return core.Reply{Code: core.CodeOK, Data: cloneData(n.data), Stat: n.visibleStat()}
}

func (s *Server) exists(id core.SessionID, op core.Exists) core.Reply {
	if !validPath(op.Path, false) {
		return core.Reply{Code: core.CodeBadArguments}
	}
	if op.Watch {
		s.addWatch(watchData, op.Path, id)
	}
	n := s.nodes[op.Path]
	if n == nil {
		return core.Reply{Code: core.CodeNoNode}
	}
	return core.Reply{Code: core.CodeOK, Stat: n.visibleStat()}
}

func (s *Server) children(id core.SessionID, op core.Children) core.Reply {
	if !validPath(op.Path, false) {
		return core.Reply{Code: core.CodeBadArguments}
	}
	n := s.nodes[op.Path]
	if n == nil {
		return core.Reply{Code: core.CodeNoNode}
	}
	if op.Watch {
		s.addWatch(watchChild, op.Path, id)
	}
	return core.Reply{Code: core.CodeOK, Children: cloneNames(n.children), Stat: n.visibleStat()}
}

// owner returns the live session that owns the ephemeral at path. An
// ephemeral never outlives its session.
func (s *Server) owner(id core.SessionID, path string) *session {
	sess := s.sessions[id]
	core.Assert(sess != nil, "zkmodel: ephemeral %s outlived session %#x", path, int64(id))
	return sess
}

func versionMatches(want, have int32) bool {
	return want == core.AnyVersion || want == have
}

// nextVersion is the data version after one more change. Past MaxInt32 it
// wraps, skipping -1 so that a version never reads as AnyVersion (ZooKeeper
// 3.9, ZOOKEEPER-4743).
func nextVersion(v int32) int32 {
	v++
	if v == core.AnyVersion {
		return 0
	}
	return v
}

func insertName(names []string, name string) []string {
	i, found := slices.BinarySearch(names, name)
	core.Assert(!found, "zkmodel: child %q already listed", name)
	return slices.Insert(names, i, name)
}

func removeName(names []string, name string) []string {
	i, found := slices.BinarySearch(names, name)
	core.Assert(found, "zkmodel: child %q not listed", name)
	return slices.Delete(names, i, i+1)
}

func assertChildren(path string, n *node) {
	core.Assert(int(n.stat.NumChildren) == len(n.children),
		"zkmodel: %s NumChildren=%d but %d children", path, n.stat.NumChildren, len(n.children))
}

// undoKind says which change an undoRecord reverts.
type undoKind uint8

const (
	undoCreate undoKind = iota + 1
	undoDelete
	undoSetData
)

// undoRecord reverts one applied operation of the transaction in progress.
// Records are undone newest first, so each restores whole stats exactly as
// they were before its operation.
type undoRecord struct {
	kind       undoKind
	path       string
	node       *node
	parentStat core.Stat // create, delete: the parent's stat before
	data       []byte    // setData: the data before
	stat       core.Stat // setData: the stat before
}

// rollback reverts every operation of the transaction in progress and drops
// its triggers: a failed multi leaves no trace.
func (s *Server) rollback() {
	for i := len(s.undo) - 1; i >= 0; i-- {
		u := &s.undo[i]
		switch u.kind {
		case undoCreate:
			parent := s.nodes[parentOf(u.path)]
			delete(s.nodes, u.path)
			parent.children = removeName(parent.children, nameOf(u.path))
			parent.stat = u.parentStat
			if owner := u.node.stat.EphemeralOwner; owner != 0 {
				delete(s.owner(owner, u.path).ephemerals, u.path)
			}
		case undoDelete:
			parent := s.nodes[parentOf(u.path)]
			s.nodes[u.path] = u.node
			parent.children = insertName(parent.children, nameOf(u.path))
			parent.stat = u.parentStat
			if owner := u.node.stat.EphemeralOwner; owner != 0 {
				s.owner(owner, u.path).ephemerals[u.path] = struct{}{}
			}
		case undoSetData:
			u.node.data = u.data
			u.node.stat = u.stat
		default:
			core.Assert(false, "zkmodel: undo kind %d", u.kind)
		}
	}
	clear(s.undo)
	s.undo = s.undo[:0]
	clear(s.triggers)
	s.triggers = s.triggers[:0]
}
