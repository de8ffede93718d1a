package zkadapter

import (
	"errors"
	"fmt"
	"slices"

	"github.com/go-zookeeper/zk"

	"github.com/squall/squall/core"
)

// execute runs one request on conn and translates the outcome. It blocks
// until ZooKeeper answers or the connection is lost. Requests the model
// rejects as malformed (sim/zkmodel) are rejected here the same way, without
// a round trip: data over core.DataBytesMax, a Check outside Multi, an
// unknown create mode or request type, and a Multi that is too long or holds
// a read or another Multi.
func execute(conn *zk.Conn, acl []zk.ACL, req core.Request) core.Reply {
	switch r := req.(type) {
	case core.Create:
		flags, ok := createFlags(r.Mode)
		if !ok || len(r.Data) > core.DataBytesMax {
			return core.Reply{Code: core.CodeBadArguments}
		}
		path, err := conn.Create(r.Path, r.Data, flags, acl)
		if err != nil {
			return core.Reply{Code: codeOf(err)}
		}
		return core.Reply{Code: core.CodeOK, Path: path}
	case core.Delete:
		return core.Reply{Code: codeOf(conn.Delete(r.Path, r.Version))}
	case core.SetData:
		if len(r.Data) > core.DataBytesMax {
			return core.Reply{Code: core.CodeBadArguments}
		}
		st, err := conn.Set(r.Path, r.Data, r.Version)
		return withStat(codeOf(err), st)
	case core.GetData:
		return getData(conn, r)
	case core.Exists:
		return exists(conn, r)
	case core.Children:
		return children(conn, r)
	case core.Multi:
		return multi(conn, acl, r)
	}
	return core.Reply{Code: core.CodeBadArguments}
}

func createFlags(m core.CreateMode) (int32, bool) {
	switch m {
	case core.Persistent:
		return 0, true
	case core.Ephemeral:
		return zk.FlagEphemeral, true
	case core.PersistentSequential:
		return zk.FlagSequence, true
	case core.EphemeralSequential:
		return zk.FlagEphemeral | zk.FlagSequence, true
	}
	return 0, false
}

func getData(conn *zk.Conn, r core.GetData) core.Reply {
	var (
		data []byte
		st   *zk.Stat
		err  error
	)
	if r.Watch {
		data, st, _, err = conn.GetW(r.Path) // the watch fires through the event callback
	} else {
		data, st, err = conn.Get(r.Path)
	}
	reply := withStat(codeOf(err), st)
	if reply.Code == core.CodeOK {
		reply.Data = data
		if reply.Data == nil {
			reply.Data = []byte{} // an empty znode reads as empty data, as the model's
		}
	}
	return reply
}

func exists(conn *zk.Conn, r core.Exists) core.Reply {
	var (
		found bool
		st    *zk.Stat
		err   error
	)
	if r.Watch {
		found, st, _, err = conn.ExistsW(r.Path)
	} else {
		found, st, err = conn.Exists(r.Path)
	}
	if err == nil && !found {
		return core.Reply{Code: core.CodeNoNode}
	}
	return withStat(codeOf(err), st)
}

func children(conn *zk.Conn, r core.Children) core.Reply {
	var (
		names []string
		st    *zk.Stat
		err   error
	)
	if r.Watch {
		names, st, _, err = conn.ChildrenW(r.Path)
	} else {
		names, st, err = conn.Children(r.Path)
	}
	reply := withStat(codeOf(err), st)
	if reply.Code == core.CodeOK {
		// ZooKeeper returns children in no particular order; the contract
		// says sorted.
		reply.Children = append(make([]string, 0, len(names)), names...)
		slices.Sort(reply.Children)
	}
	return reply
}

func multi(conn *zk.Conn, acl []zk.ACL, m core.Multi) core.Reply {
	if !m.Valid() {
		return core.Reply{Code: core.CodeBadArguments}
	}
	ops := make([]any, 0, len(m.Ops)+1)
	for i, op := range m.Ops {
		zop, ok := multiOp(op, acl)
		if !ok {
			return multiMalformedAt(conn, ops, len(m.Ops), i)
		}
		ops = append(ops, zop)
	}
	res, err := conn.Multi(ops...)
	if len(res) != len(m.Ops) {
		// Rejected whole, or never answered: no per-operation results.
		code := codeOf(err)
		if code == core.CodeOK {
			code = core.CodeConnectionLoss // a malformed answer: outcome unknown
		}
		return core.Reply{Code: code}
	}
	replies := make([]core.Reply, len(res))
	for i, r := range res {
		replies[i] = multiOpReply(m.Ops[i], r)
	}
	return core.Reply{Code: codeOf(err), Multi: replies}
}

// multiMalformedAt answers a multi of n operations whose operation at is
// malformed (an unknown create mode, data over the bound): the model fails
// it there with CodeBadArguments, unless an earlier operation fails first. A
// real server would drop the connection for oversized data, so the adapter
// runs the prefix followed by a check that cannot pass (version -2), which
// applies nothing and says whether and where the prefix fails.
func multiMalformedAt(conn *zk.Conn, prefix []any, n, at int) core.Reply {
	if at == 0 {
		return multiFailedAt(n, 0, core.CodeBadArguments)
	}
	probe := append(prefix, &zk.CheckVersionRequest{Path: "/", Version: multiNeverVersion})
	res, err := conn.Multi(probe...)
	if len(res) != len(probe) {
		code := codeOf(err)
		if code == core.CodeOK {
			code = core.CodeConnectionLoss
		}
		return core.Reply{Code: code}
	}
	for i, r := range res[:at] {
		if code := codeOf(r.Error); code != core.CodeOK {
			return multiFailedAt(n, i, code)
		}
	}
	return multiFailedAt(n, at, core.CodeBadArguments)
}

// multiNeverVersion is a version no znode has: a check of it always fails.
const multiNeverVersion = -2

// multiOp returns go-zookeeper's form of a multi operation; false for a
// malformed one.
func multiOp(op core.Request, acl []zk.ACL) (any, bool) {
	switch o := op.(type) {
	case core.Create:
		flags, ok := createFlags(o.Mode)
		if !ok || len(o.Data) > core.DataBytesMax {
			return nil, false
		}
		return &zk.CreateRequest{Path: o.Path, Data: o.Data, Acl: acl, Flags: flags}, true
	case core.Delete:
		return &zk.DeleteRequest{Path: o.Path, Version: o.Version}, true
	case core.SetData:
		if len(o.Data) > core.DataBytesMax {
			return nil, false
		}
		return &zk.SetDataRequest{Path: o.Path, Data: o.Data, Version: o.Version}, true
	case core.Check:
		return &zk.CheckVersionRequest{Path: o.Path, Version: o.Version}, true
	}
	return nil, false
}

// multiOpReply translates one operation's result: a create's path, a set's
// stat, nothing else (on failure ZooKeeper sends only codes).
func multiOpReply(op core.Request, r zk.MultiResponse) core.Reply {
	code := codeOf(r.Error)
	if code != core.CodeOK {
		return core.Reply{Code: code}
	}
	switch op.(type) {
	case core.Create:
		return core.Reply{Code: code, Path: r.String}
	case core.SetData:
		return withStat(code, r.Stat)
	}
	return core.Reply{Code: code}
}

// multiFailedAt is the reply ZooKeeper gives to a multi of n operations whose
// operation at failed with code.
func multiFailedAt(n, at int, code core.Code) core.Reply {
	replies := make([]core.Reply, n)
	for i := range replies {
		switch {
		case i < at:
			replies[i] = core.Reply{Code: core.CodeOK}
		case i == at:
			replies[i] = core.Reply{Code: code}
		default:
			replies[i] = core.Reply{Code: core.CodeRuntimeInconsistency}
		}
	}
	return core.Reply{Code: code, Multi: replies}
}

// withStat is a reply with code and, on success, the translated stat.
func withStat(code core.Code, st *zk.Stat) core.Reply {
	r := core.Reply{Code: code}
	if code == core.CodeOK && st != nil {
		r.Stat = statOf(st)
	}
	return r
}

func statOf(st *zk.Stat) core.Stat {
	return core.Stat{
		Czxid:          st.Czxid,
		Mzxid:          st.Mzxid,
		Pzxid:          st.Pzxid,
		Version:        st.Version,
		Cversion:       st.Cversion,
		EphemeralOwner: core.SessionID(st.EphemeralOwner),
		DataLength:     st.DataLength,
		NumChildren:    st.NumChildren,
	}
}

// codeOf translates a go-zookeeper error. Errors that say nothing about the
// request's fate (a closed or lost connection, no server, a session moved to
// another server, anything unknown) are CodeConnectionLoss: the outcome is
// unknown and the machine re-reads.
func codeOf(err error) core.Code {
	if err == nil {
		return core.CodeOK
	}
	for _, m := range errorCodes {
		if errors.Is(err, m.err) {
			return m.code
		}
	}
	if err.Error() == errRuntimeInconsistency {
		return core.CodeRuntimeInconsistency
	}
	return core.CodeConnectionLoss
}

var errorCodes = []struct {
	err  error
	code core.Code
}{
	{zk.ErrNoNode, core.CodeNoNode},
	{zk.ErrNodeExists, core.CodeNodeExists},
	{zk.ErrBadVersion, core.CodeBadVersion},
	{zk.ErrNotEmpty, core.CodeNotEmpty},
	{zk.ErrNoChildrenForEphemerals, core.CodeNoChildrenForEphemerals},
	{zk.ErrBadArguments, core.CodeBadArguments},
	{zk.ErrInvalidPath, core.CodeBadArguments},
	{zk.ErrInvalidFlags, core.CodeBadArguments},
	{zk.ErrSessionExpired, core.CodeSessionExpired},
}

// errRuntimeInconsistency is how go-zookeeper reports, for a failed multi, the
// operations after the one that failed: it has no error value for code -2
// and formats it as an unknown error.
var errRuntimeInconsistency = fmt.Sprintf("unknown error: %v", zk.ErrCode(-2))

func watchType(t zk.EventType) core.WatchType {
	switch t {
	case zk.EventNodeCreated:
		return core.NodeCreated
	case zk.EventNodeDeleted:
		return core.NodeDeleted
	case zk.EventNodeDataChanged:
		return core.NodeDataChanged
	}
	return core.NodeChildrenChanged
}
