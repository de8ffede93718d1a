package election

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core"
)

func (c *Candidate) onResult(ev core.CoordResult) {
	info, ok := c.ops[ev.Op]
	if !ok {
		return
	}
	delete(c.ops, ev.Op)
	r := ev.Reply
	if info.epoch != c.epoch {
		c.onStaleResult(info, r)
		return
	}
	switch info.kind {
	case opEnsure, opDeleteStray:
		// NodeExists / NoNode are the expected outcomes of idempotent steps.
	case opEnroll:
		c.onEnroll(r)
	case opLeaderExists, opLeaderGet, opChildren, opMemberGet:
		if info.round == c.round && c.round != 0 {
			c.onRead(info, r)
		}
	case opClaim:
		c.onClaim(r)
	case opWrite:
		c.onWrite(r)
	}
}

// onStaleResult handles a result of a request made on an earlier session. A
// request queued in the client while disconnected may have run on the new
// session: an election node it created there is a stray and is removed.
func (c *Candidate) onStaleResult(info opInfo, r core.Reply) {
	if info.kind == opEnroll && r.Code == core.CodeOK && c.session != 0 {
		c.issue(opDeleteStray, r.Path, core.Delete{Path: r.Path, Version: core.AnyVersion})
	}
	if info.kind == opWrite && (r.Code == core.CodeNoNode || r.Code == core.CodeBadVersion) {
		c.stats.WritesRejected++ // refused by the fence
	}
}

func (c *Candidate) onEnroll(r core.Reply) {
	c.enrolling = false
	switch r.Code {
	case core.CodeOK:
		if c.myPath != "" { // an earlier, unknown-outcome attempt was adopted
			c.issue(opDeleteStray, r.Path, core.Delete{Path: r.Path, Version: core.AnyVersion})
			return
		}
		c.myPath = r.Path
		c.refresh()
	default:
		// ConnectionLoss: the node may exist; the refresh adopts it or enrolls again.
		c.refresh()
	}
}

func (c *Candidate) onClaim(r core.Reply) {
	c.claiming = false
	c.claimAt = 0
	if r.Code == core.CodeOK {
		c.becomeLeader()
		return
	}
	// NodeExists: someone else claimed. NoNode: our election node is gone.
	// ConnectionLoss: unknown; the refresh finds out whose the leader node is.
	c.refresh()
}

func (c *Candidate) becomeLeader() {
	if c.phase == phaseLeader {
		return
	}
	c.phase = phaseLeader
	c.leader = c.cfg.ID
	c.stats.Terms++
	c.nextWrite = c.now
}

func (c *Candidate) stepDown() {
	if c.phase == phaseLeader {
		c.phase = phaseFollower
	}
	c.leader = ""
}

// Fenced tells the candidate that a fenced write of the machine embedding
// it failed its check: its election node is gone, and with it its
// leadership. It steps down; its next tick's refresh finds who leads and
// enrolls it again.
func (c *Candidate) Fenced() {
	if c.phase != phaseLeader {
		return
	}
	c.stats.WritesRejected++
	c.stepDown()
	c.myPath = ""
}

func (c *Candidate) onWrite(r core.Reply) {
	c.writing = false
	switch r.Code {
	case core.CodeOK:
		c.stats.WritesOK++
	case core.CodeNoNode, core.CodeBadVersion:
		// The check failed: our election node is gone, so is our leadership.
		c.stats.WritesRejected++
		c.stepDown()
		c.myPath = ""
		c.refresh()
	}
}

func (c *Candidate) onRead(info opInfo, r core.Reply) {
	if r.Code != core.CodeOK && r.Code != core.CodeNoNode {
		// The node may or may not exist: NoNode is an answer, ConnectionLoss
		// is not.
		c.view.unknown = true
	}
	switch info.kind {
	case opLeaderExists:
		c.view.leaderExists = r.Code == core.CodeOK
		c.view.leaderOwner = r.Stat.EphemeralOwner
	case opLeaderGet:
		if r.Code == core.CodeOK {
			c.view.leaderOwner = r.Stat.EphemeralOwner
			c.view.leaderExists = true
			if err := json.Unmarshal(r.Data, &c.view.leader); err != nil {
				c.stats.Corrupt++
			}
		}
	case opChildren:
		c.onChildren(r)
	case opMemberGet:
		c.onMember(info.path, r)
	}
	c.roundWait--
	core.Assert(c.roundWait >= 0, "%s: refresh round over-counted", c.cfg.ID)
	if c.roundWait == 0 {
		c.decide()
	}
}

func (c *Candidate) onChildren(r core.Reply) {
	if r.Code != core.CodeOK {
		return
	}
	names := r.Children
	if len(names) > membersMax {
		names = names[:membersMax]
	}
	for _, name := range names {
		seq, ok := parseSeq(name)
		if !ok {
			c.stats.Corrupt++
			continue
		}
		path := c.electionDir + "/" + name
		c.view.members = append(c.view.members, seen{path: path, seq: seq})
		c.roundWait++
		c.issue(opMemberGet, path, core.GetData{Path: path})
	}
}

func parseSeq(name string) (int64, bool) {
	digits, ok := strings.CutPrefix(name, "n_")
	if !ok || len(digits) != 10 {
		return 0, false
	}
	seq, err := strconv.ParseInt(digits, 10, 64)
	return seq, err == nil
}

func (c *Candidate) onMember(path string, r core.Reply) {
	i := slices.IndexFunc(c.view.members, func(s seen) bool { return s.path == path })
	core.Assert(i >= 0, "member %s not in view", path)
	if r.Code != core.CodeOK {
		return // gone since the listing
	}
	m := &c.view.members[i]
	m.owner = r.Stat.EphemeralOwner
	if err := json.Unmarshal(r.Data, &m.member); err != nil || m.member.ID == "" {
		c.stats.Corrupt++
		return
	}
	m.ok = true
}

// decide acts on a completed refresh round.
func (c *Candidate) decide() {
	c.round = 0
	if !c.view.unknown {
		c.act()
	}
	if c.refreshAgain {
		c.refreshAgain = false
		c.refresh()
	}
}

// act reconciles the candidate with a round that read everything it asked
// for. A round with a failed read is not acted on: a sitting leader would step
// down, a follower forget whom it follows, and either drop its election node
// and enroll another, once per round trip while reads keep failing. The next
// refresh (tick, reconnect or watch) reads again.
func (c *Candidate) act() {
	c.adoptOwnNode()
	v := &c.view
	switch {
	case v.leaderExists && v.leaderOwner == c.session:
		c.becomeLeader()
		c.claimAt = 0
	case v.leaderExists:
		c.stepDown()
		c.leader = v.leader.ID
		c.claimAt = 0
	default:
		c.stepDown()
		c.planClaim()
	}
}

// adoptOwnNode reconciles myPath with the election nodes our session owns.
func (c *Candidate) adoptOwnNode() {
	var mine []string
	for _, m := range c.view.members {
		if m.ok && m.owner == c.session {
			mine = append(mine, m.path) // sorted: children come sorted
		}
	}
	if c.myPath != "" && !slices.Contains(mine, c.myPath) {
		c.myPath = "" // our node is gone
	}
	for _, p := range mine {
		if c.myPath == "" {
			c.myPath = p
			continue
		}
		if p != c.myPath {
			c.issue(opDeleteStray, p, core.Delete{Path: p, Version: core.AnyVersion})
		}
	}
	if c.myPath == "" && !c.enrolling {
		c.enroll()
	}
}

// planClaim schedules a claim of the vacant leadership after our rank's delay.
func (c *Candidate) planClaim() {
	if c.myPath == "" || c.claiming || c.claimAt != 0 {
		return
	}
	rank := 0
	var self seen
	for _, m := range c.view.members {
		if m.path == c.myPath {
			self = m
		}
	}
	for _, m := range c.view.members {
		if m.ok && m.path != c.myPath && outranks(m, self) {
			rank++
		}
	}
	c.claimAt = c.now.Add(c.cfg.ClaimDelayPerRank * time.Duration(rank))
	if rank == 0 && !c.ineligible {
		c.claim()
	}
}

// outranks orders candidates: higher priority first, then lower sequence.
func outranks(a, b seen) bool {
	if a.member.Priority != b.member.Priority {
		return a.member.Priority > b.member.Priority
	}
	return a.seq < b.seq
}
