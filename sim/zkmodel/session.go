package zkmodel

import (
	"slices"
	"time"

	"github.com/squall/squall/core"
)

// session is a live session as the server tracks it.
type session struct {
	timeout    time.Duration
	lastHeard  core.Time           // the last request or ping heard
	ephemerals map[string]struct{} // paths of the ephemerals it owns
	watches    map[watchKey]struct{}
}

// OpenSession starts a session that expires when nothing is heard from it for
// longer than timeout (the negotiated timeout: the caller applies ZooKeeper's
// bounds). Ids are deterministic and strictly increasing.
func (s *Server) OpenSession(now core.Time, timeout time.Duration) core.SessionID {
	core.Assert(timeout > 0, "zkmodel: session timeout %s", timeout)
	s.advance(now)
	id := s.sessionNext
	s.sessionNext++
	s.sessions[id] = &session{
		timeout:    timeout,
		lastHeard:  now,
		ephemerals: map[string]struct{}{},
		watches:    map[watchKey]struct{}{},
	}
	return id
}

// Alive reports whether the session is open and has not expired.
func (s *Server) Alive(id core.SessionID) bool { return s.sessions[id] != nil }

// Touch records that the server heard from the session (a ping or a request)
// at now. It reports false, and does nothing, when the session is not alive.
func (s *Server) Touch(id core.SessionID, now core.Time) bool {
	s.advance(now)
	sess := s.sessions[id]
	if sess == nil {
		return false
	}
	sess.lastHeard = now
	return true
}

// ExpireDue expires every live session not heard from for longer than its
// timeout, in ascending id order, and returns their ids.
func (s *Server) ExpireDue(now core.Time) []core.SessionID {
	s.advance(now)
	var due []core.SessionID
	for id, sess := range s.sessions {
		if now.Sub(sess.lastHeard) > sess.timeout {
			due = append(due, id)
		}
	}
	slices.Sort(due) // map order must not reach the transactions
	for _, id := range due {
		s.Expire(id)
	}
	return due
}

// Expire ends a session now, as its expiry or its close would: its watches are
// dropped, then its ephemerals are deleted in path order as one transaction
// (when it has any) whose watches fire for the other sessions. A session that
// is not alive is left alone.
func (s *Server) Expire(id core.SessionID) {
	sess := s.sessions[id]
	if sess == nil {
		return
	}
	s.dropWatches(id, sess)
	if len(sess.ephemerals) > 0 {
		paths := make([]string, 0, len(sess.ephemerals))
		for path := range sess.ephemerals {
			paths = append(paths, path)
		}
		slices.Sort(paths)
		core.Assert(len(s.undo) == 0 && len(s.triggers) == 0, "zkmodel: expiry inside a transaction")
		for _, path := range paths {
			r := s.delete(core.Delete{Path: path, Version: core.AnyVersion})
			// An ephemeral has no children, so deleting it cannot fail.
			core.Assert(r.Code == core.CodeOK, "zkmodel: expiry could not delete %s: %s", path, r.Code)
		}
		s.commit()
	}
	core.Assert(len(sess.ephemerals) == 0, "zkmodel: session %#x kept %d ephemerals", int64(id), len(sess.ephemerals))
	delete(s.sessions, id)
}

// RenewAll restarts every live session's timer at now. A new ZooKeeper leader
// does this after an election, so sessions survive an ensemble outage that
// lasted longer than their timeouts.
func (s *Server) RenewAll(now core.Time) {
	s.advance(now)
	for _, sess := range s.sessions {
		sess.lastHeard = now
	}
}
