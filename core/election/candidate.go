package election

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/squall/squall/core"
)

// Config configures one candidate.
type Config struct {
	ID       core.NodeID
	Address  string
	Priority int    // higher claims a vacancy first
	Root     string // default "/squall"
	// ClaimDelayPerRank spaces the claims of ranked candidates; default 500ms.
	ClaimDelayPerRank time.Duration
	// RefreshPeriod re-reads the election while not leading, in case a watch
	// event was lost with a session; default 2s.
	RefreshPeriod time.Duration
	// WritePeriod is the period of the leader's fenced workload writes;
	// 0 disables them.
	WritePeriod time.Duration
	// Ops allocates the candidate's OpIDs; a machine that embeds the candidate
	// shares its own so that results route by OpID. Nil: the candidate's own.
	Ops *core.OpSeq
	// TestOnlyUnfenced makes the leader write without checking its election
	// node. It exists only so that tests can show the invariant checker
	// catching a broken election; nothing else may set it.
	TestOnlyUnfenced bool
}

func (c Config) withDefaults() Config {
	if c.Root == "" {
		c.Root = "/squall"
	}
	if c.ClaimDelayPerRank == 0 {
		c.ClaimDelayPerRank = 500 * time.Millisecond
	}
	if c.RefreshPeriod == 0 {
		c.RefreshPeriod = 2 * time.Second
	}
	return c
}

// Stats count what a candidate did, for scenario measures.
type Stats struct {
	Terms          int // times it became leader
	Claims         int
	WritesOK       int
	WritesRejected int // fenced writes refused because its election node was gone
	Corrupt        int // election znodes whose data could not be parsed
}

// Member is what a candidate publishes in its election node.
type Member struct {
	ID       core.NodeID `json:"id"`
	Address  string      `json:"address"`
	Priority int         `json:"priority"`
}

type phase uint8

const (
	phaseNoSession phase = iota
	phaseFollower
	phaseLeader
)

type opKind uint8

const (
	opEnsure opKind = iota + 1 // parent creation; NodeExists is fine
	opEnroll
	opLeaderExists
	opLeaderGet
	opChildren
	opMemberGet
	opClaim
	opWrite
	opDeleteStray
)

type opInfo struct {
	kind  opKind
	epoch uint64 // session epoch when issued
	round uint64 // refresh round, for reads
	path  string
}

// Candidate is one election participant: a pure machine.
type Candidate struct {
	cfg                              Config
	electionDir, leaderPath, counter string

	now     core.Time
	session core.SessionID
	epoch   uint64
	phase   phase
	myPath  string

	enrolling bool
	claimAt   core.Time // 0: no claim planned
	// ineligible holds claims back: a nimbus without every active
	// topology's artifact must not lead (STORM-1977). Lower-ranked eligible
	// candidates claim in its place when their own delay passes.
	ineligible bool
	claiming   bool
	writing    bool
	nextWrite  core.Time
	writeSeq   uint64

	round        uint64 // current refresh round; 0 when none runs
	roundSeq     uint64
	roundWait    int // replies the round still waits for
	refreshAgain bool
	nextRefresh  core.Time
	view         view

	seq    *core.OpSeq
	ops    map[core.OpID]opInfo
	out    []core.Effect
	stats  Stats
	leader core.NodeID // who this candidate believes leads, "" if unknown
}

// view is what one refresh round read.
type view struct {
	// unknown: a read failed with an unknown outcome (ConnectionLoss,
	// SessionExpired), so the round proves nothing about the election.
	unknown bool

	leaderExists bool
	leaderOwner  core.SessionID
	leader       Member
	members      []seen
}

type seen struct {
	path   string
	seq    int64
	owner  core.SessionID
	member Member
	ok     bool
}

// New returns a candidate waiting for its first session.
func New(cfg Config) *Candidate {
	cfg = cfg.withDefaults()
	core.Assert(cfg.ID != "", "election candidate needs an ID")
	base := strings.TrimSuffix(cfg.Root, "/") + "/nimbus"
	seq := cfg.Ops
	if seq == nil {
		seq = &core.OpSeq{}
	}
	return &Candidate{
		seq:         seq,
		cfg:         cfg,
		electionDir: base + "/election",
		leaderPath:  base + "/leader",
		counter:     base + "/fenced-counter",
		ops:         map[core.OpID]opInfo{},
	}
}

// IsLeader reports whether the candidate believes it leads.
func (c *Candidate) IsLeader() bool { return c.phase == phaseLeader }

// Leader is who the candidate believes leads ("" when unknown).
func (c *Candidate) Leader() core.NodeID { return c.leader }

// SetEligible allows or holds back this candidate's claims of a vacant
// leadership. A leader stays leader: eligibility gates claims only.
func (c *Candidate) SetEligible(ok bool) { c.ineligible = !ok }

// Eligible reports whether the candidate may claim a vacancy.
func (c *Candidate) Eligible() bool { return !c.ineligible }

// Stats returns the candidate's counters.
func (c *Candidate) Stats() Stats { return c.stats }

// Paths returns the election directory and the leader node's path.
func (c *Candidate) Paths() (electionDir, leaderPath, counter string) {
	return c.electionDir, c.leaderPath, c.counter
}

// Owns reports whether a CoordResult with this OpID answers the candidate.
func (c *Candidate) Owns(op core.OpID) bool {
	_, ok := c.ops[op]
	return ok
}

// Fence returns the check that must lead every multi the leader writes: its
// own election node exists. ok is false while not leading.
func (c *Candidate) Fence() (check core.Check, ok bool) {
	if c.phase != phaseLeader || c.myPath == "" {
		return core.Check{}, false
	}
	return core.Check{Path: c.myPath, Version: core.AnyVersion}, true
}

// Ready drains the effects produced since the last call.
func (c *Candidate) Ready() []core.Effect {
	out := c.out
	c.out = nil
	return out
}

// opsMax bounds the candidate's requests in flight; a refresh reads at most
// membersMax members.
const (
	opsMax     = 256
	membersMax = 64
)

func (c *Candidate) issue(kind opKind, path string, req core.Request) {
	core.Assert(len(c.ops) < opsMax, "%s: more than %d requests in flight", c.cfg.ID, opsMax)
	op := c.seq.Next()
	c.ops[op] = opInfo{kind: kind, epoch: c.epoch, round: c.round, path: path}
	c.out = append(c.out, core.Coord{Op: op, Req: req})
}

// Step consumes one event.
func (c *Candidate) Step(now core.Time, ev core.Event) {
	core.Assert(now >= c.now, "time went backwards: %d < %d", now, c.now)
	c.now = now
	switch ev := ev.(type) {
	case core.Tick:
		c.onTick()
	case core.SessionChanged:
		c.onSession(ev)
	case core.CoordResult:
		c.onResult(ev)
	case core.WatchFired:
		if ev.Path == c.leaderPath && c.phase != phaseNoSession {
			c.refresh()
		}
	}
}

func (c *Candidate) onSession(ev core.SessionChanged) {
	switch ev.State {
	case core.Connected:
		if ev.Session == c.session {
			c.refresh() // reconnected within the session: re-read what we missed
			return
		}
		c.resetSession(ev.Session)
		c.phase = phaseFollower
		c.enroll()
		c.refresh()
	case core.Expired:
		c.resetSession(0)
	case core.Disconnected:
		// Keep going: requests wait in the client, and fencing keeps any
		// write of a leader that lost its session from succeeding.
	}
}

func (c *Candidate) resetSession(id core.SessionID) {
	c.session = id
	c.epoch++
	c.phase = phaseNoSession
	c.myPath, c.leader = "", ""
	c.enrolling, c.claiming, c.writing = false, false, false
	c.claimAt, c.round, c.refreshAgain = 0, 0, false
}

func (c *Candidate) onTick() {
	if c.phase == phaseNoSession {
		return
	}
	if c.phase == phaseFollower && c.claimAt != 0 && c.now >= c.claimAt && !c.claiming && !c.ineligible {
		c.claim()
	}
	if c.phase == phaseFollower && c.round == 0 && c.now >= c.nextRefresh {
		c.refresh()
	}
	if c.phase == phaseLeader && c.cfg.WritePeriod > 0 && !c.writing && c.now >= c.nextWrite {
		c.write()
	}
}

func (c *Candidate) enroll() {
	if c.enrolling {
		return
	}
	c.enrolling = true
	for _, p := range []string{strings.TrimSuffix(c.cfg.Root, "/"), c.electionDir[:strings.LastIndexByte(c.electionDir, '/')], c.electionDir, c.counter} {
		if p != "" {
			c.issue(opEnsure, p, core.Create{Path: p, Mode: core.Persistent})
		}
	}
	data, err := json.Marshal(Member{ID: c.cfg.ID, Address: c.cfg.Address, Priority: c.cfg.Priority})
	core.Assert(err == nil, "marshal member: %v", err)
	c.issue(opEnroll, "", core.Create{Path: c.electionDir + "/n_", Data: data, Mode: core.EphemeralSequential})
}

// refresh starts a round of reads, or asks for another after the running one.
func (c *Candidate) refresh() {
	if c.round != 0 {
		c.refreshAgain = true
		return
	}
	c.roundSeq++
	c.round = c.roundSeq
	c.view = view{}
	c.roundWait = 3
	c.nextRefresh = c.now.Add(c.cfg.RefreshPeriod)
	c.issue(opLeaderExists, "", core.Exists{Path: c.leaderPath, Watch: true})
	c.issue(opLeaderGet, "", core.GetData{Path: c.leaderPath})
	c.issue(opChildren, "", core.Children{Path: c.electionDir})
}

func (c *Candidate) claim() {
	c.claiming = true
	c.stats.Claims++
	data, err := json.Marshal(Member{ID: c.cfg.ID, Address: c.cfg.Address, Priority: c.cfg.Priority})
	core.Assert(err == nil, "marshal member: %v", err)
	c.issue(opClaim, "", core.Multi{Ops: []core.Request{
		core.Check{Path: c.myPath, Version: core.AnyVersion},
		core.Create{Path: c.leaderPath, Data: data, Mode: core.Ephemeral},
	}})
}

// write is the leader's workload: a fenced write of its id and a counter.
func (c *Candidate) write() {
	c.writing = true
	c.writeSeq++
	c.nextWrite = c.now.Add(c.cfg.WritePeriod)
	data := []byte(string(c.cfg.ID) + ":" + strconv.FormatUint(c.writeSeq, 10))
	set := core.SetData{Path: c.counter, Data: data, Version: core.AnyVersion}
	if c.cfg.TestOnlyUnfenced {
		c.issue(opWrite, "", set)
		return
	}
	c.issue(opWrite, "", core.Multi{Ops: []core.Request{
		core.Check{Path: c.myPath, Version: core.AnyVersion}, set,
	}})
}
