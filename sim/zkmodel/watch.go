package zkmodel

import (
	"slices"

	"github.com/squall/squall/core"
)

// watchKind names one of ZooKeeper's two watch tables.
type watchKind uint8

const (
	// watchData holds the watches of GetData and Exists: fired by the node's
	// creation, data change and deletion.
	watchData watchKind = iota + 1
	// watchChild holds the watches of Children: fired by a child's creation or
	// deletion, and by the node's own deletion.
	watchChild
)

// watchKey names one registered watch of a session, so that ending the
// session can find its entries in the tables.
type watchKey struct {
	kind watchKind
	path string
}

// trigger is what one applied operation changed, kept until its transaction
// commits.
type trigger struct {
	event core.WatchType // NodeCreated, NodeDeleted or NodeDataChanged
	path  string
}

func (s *Server) table(kind watchKind) map[string][]core.SessionID {
	if kind == watchData {
		return s.dataWatches
	}
	return s.childWatches
}

// addWatch registers a one-shot watch. The table is a set per path: a second
// registration by the same session is the same watch.
func (s *Server) addWatch(kind watchKind, path string, id core.SessionID) {
	table := s.table(kind)
	ids := table[path]
	i, found := slices.BinarySearch(ids, id)
	if found {
		return
	}
	table[path] = slices.Insert(ids, i, id)
	s.sessions[id].watches[watchKey{kind: kind, path: path}] = struct{}{}
}

// fire notifies the watches of the committed transaction's triggers, in
// operation order, and consumes the triggers. The order per operation is
// ZooKeeper's DataTree order; a watch fired by an earlier operation is gone
// by the time a later one looks.
func (s *Server) fire() {
	for _, t := range s.triggers {
		switch t.event {
		case core.NodeCreated:
			s.notify(watchData, t.path, core.NodeCreated, nil)
			s.notify(watchChild, parentOf(t.path), core.NodeChildrenChanged, nil)
		case core.NodeDataChanged:
			s.notify(watchData, t.path, core.NodeDataChanged, nil)
		case core.NodeDeleted:
			// A session watching the node both ways hears of its deletion once.
			notified := s.notify(watchData, t.path, core.NodeDeleted, nil)
			s.notify(watchChild, t.path, core.NodeDeleted, notified)
			s.notify(watchChild, parentOf(t.path), core.NodeChildrenChanged, nil)
		default:
			core.Assert(false, "zkmodel: trigger %s", t.event)
		}
	}
	clear(s.triggers)
	s.triggers = s.triggers[:0]
}

// notify fires and removes the watches of one table entry, in ascending
// session order, skipping the sessions in skip (sorted). It returns the
// sessions whose watch it consumed, sorted.
func (s *Server) notify(kind watchKind, path string, event core.WatchType, skip []core.SessionID) []core.SessionID {
	table := s.table(kind)
	ids, ok := table[path]
	if !ok {
		return nil
	}
	delete(table, path)
	key := watchKey{kind: kind, path: path}
	for _, id := range ids {
		sess := s.sessions[id]
		core.Assert(sess != nil, "zkmodel: watch %s of dead session %#x", path, int64(id))
		delete(sess.watches, key)
		if _, skipped := slices.BinarySearch(skip, id); skipped {
			continue
		}
		s.notes = append(s.notes, Notification{Session: id, Event: core.WatchFired{Type: event, Path: path}})
	}
	return ids
}

// dropWatches removes every watch of a session that is ending.
func (s *Server) dropWatches(id core.SessionID, sess *session) {
	// Map order does not matter here: each removal is independent and
	// nothing is emitted.
	for key := range sess.watches {
		table := s.table(key.kind)
		ids := table[key.path]
		i, found := slices.BinarySearch(ids, id)
		core.Assert(found, "zkmodel: session %#x lost its watch on %s", int64(id), key.path)
		if len(ids) == 1 {
			delete(table, key.path)
		} else {
			table[key.path] = slices.Delete(ids, i, i+1)
		}
	}
	clear(sess.watches)
}
