package zkmodel_test

import (
	"fmt"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/sim/zkmodel"
)

// A leader election in miniature: two candidates create ephemeral sequential
// nodes, the second watches the first, and the first's session expires.
func Example() {
	s := zkmodel.New()
	now := core.Time(0)
	a := s.OpenSession(now, 10*time.Second)
	b := s.OpenSession(now, 10*time.Second)

	s.Apply(a, now, core.Create{Path: "/election"})
	ra := s.Apply(a, now, core.Create{Path: "/election/n_", Mode: core.EphemeralSequential})
	rb := s.Apply(b, now, core.Create{Path: "/election/n_", Mode: core.EphemeralSequential})
	fmt.Println(ra.Path, rb.Path)
	fmt.Println(s.Apply(b, now, core.Exists{Path: ra.Path, Watch: true}))

	// b keeps pinging; a falls silent.
	now = now.Add(11 * time.Second)
	s.Touch(b, now)
	for _, id := range s.ExpireDue(now) {
		fmt.Println("expired", id == a)
	}
	for _, n := range s.TakeNotifications() {
		fmt.Println(n.Session == b, n.Event)
	}
	fmt.Println(s.ChildrenOf("/election"), s.Zxid())
	// Output:
	// /election/n_0000000000 /election/n_0000000001
	// OK v=0 mzxid=2
	// expired true
	// true watch NodeDeleted /election/n_0000000000
	// [n_0000000001] 4
}
