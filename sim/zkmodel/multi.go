package zkmodel

import "github.com/squall/squall/core"

// multi applies ops atomically. Each operation sees the effects of those
// before it (create a parent then its child; create then set). When one
// fails, everything is rolled back and the reply carries, per operation,
// CodeOK before the failure, its code at it and CodeRuntimeInconsistency
// after it, as ZooKeeper. A successful multi is one transaction: one zxid for
// all its operations, watches fired after it in operation order.
func (s *Server) multi(id core.SessionID, m core.Multi) core.Reply {
	if !m.Valid() {
		return core.Reply{Code: core.CodeBadArguments}
	}
	core.Assert(len(s.undo) == 0 && len(s.triggers) == 0, "zkmodel: multi inside a transaction")
	replies := make([]core.Reply, len(m.Ops))
	for i, op := range m.Ops {
		r := s.multiOp(id, op)
		if r.Code != core.CodeOK {
			s.rollback()
			multiFailed(replies, i, r.Code)
			return core.Reply{Code: r.Code, Multi: replies}
		}
		replies[i] = r
	}
	s.commit()
	return core.Reply{Code: core.CodeOK, Multi: replies}
}

func (s *Server) multiOp(id core.SessionID, op core.Request) core.Reply {
	switch o := op.(type) {
	case core.Create:
		return s.create(id, o)
	case core.Delete:
		return s.delete(o)
	case core.SetData:
		return s.setData(o)
	case core.Check:
		return s.check(o)
	}
	core.Assert(false, "zkmodel: multi op %T passed validation", op)
	return core.Reply{}
}

// multiFailed fills the per-operation replies of a multi whose operation
// failedAt failed with code.
func multiFailed(replies []core.Reply, failedAt int, code core.Code) {
	for i := range replies {
		switch {
		case i < failedAt:
			replies[i] = core.Reply{Code: core.CodeOK}
		case i == failedAt:
			replies[i] = core.Reply{Code: code}
		default:
			replies[i] = core.Reply{Code: core.CodeRuntimeInconsistency}
		}
	}
}
