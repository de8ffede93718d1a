package scenarios

import (
	"strings"
	"testing"
)

// controlScenarios are the control-plane scenarios of the catalog.
var controlScenarios = []string{
	"kill-with-wait-across-nimbus-restart", "nimbus-leader-crash", "nimbus-partitioned-from-zk",
	"rebalance-during-failover", "rebalance-grow", "scale-out-supervisors", "supervisor-crash-restart",
	"supervisor-loss", "supervisor-session-expiry", "worker-crash-loop", "worker-hang", "zk-outage",
	"corrupt-topology-record", "worker-start-faults",
}

// controlSeeds is how many seeds each control-plane scenario must pass.
const controlSeeds = 50

func TestControlScenariosPass(t *testing.T) {
	for _, name := range controlScenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= controlSeeds; seed++ {
				res, err := Run(name, Options{Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				if !res.Passed() {
					t.Errorf("seed %d: got %s %v, want pass; reproduce: %s",
						seed, res.Verdict, res.Violations, res.ReproduceCommand())
				}
			}
		})
	}
}

// Recovery targets with the default configuration (4 s session timeout).
var recoveryTargets = map[string]struct {
	scenario string
	maxS     float64
}{
	"worker_restart_s":           {"worker-crash-loop", 2},
	"supervisor_loss_reassign_s": {"supervisor-loss", 4 + 3},
	"nimbus_failover_s":          {"nimbus-leader-crash", 4 + 1},
}

func TestRecoveryTargets(t *testing.T) {
	for measure, target := range recoveryTargets {
		for seed := uint64(1); seed <= 10; seed++ {
			res, _ := Run(target.scenario, Options{Seed: seed})
			got, ok := res.Measures[measure]
			if !ok || got > target.maxS {
				t.Errorf("%s seed %d: got %s = %v (present %v), want at most %v",
					target.scenario, seed, measure, got, ok, target.maxS)
			}
		}
	}
}

// Each invariant fires on a deliberately broken nimbus within breakSeeds seeds.
const breakSeeds = 10

func TestControlInvariantsCatchBrokenNimbus(t *testing.T) {
	tests := []struct {
		brk, scenario, want string
	}{
		{BreakUnfencedNimbus, "nimbus-partitioned-from-zk", "does not hold leadership"},
		{BreakNoFailoverGrace, "nimbus-leader-crash", "failover changed the assignment"},
		{BreakOvercommit, "nimbus-leader-crash", "over capacity"},
		{BreakDropTask, "nimbus-leader-crash", "tasks"},
		{BreakPlanAlone, "scale-out-supervisors", "assigned to both"},
		{BreakHideCorrupt, "corrupt-topology-record", "still recorded after its kill"},
	}
	for _, tt := range tests {
		caught := 0
		for seed := uint64(1); seed <= breakSeeds; seed++ {
			res, _ := Run(tt.scenario, Options{Seed: seed, Break: tt.brk})
			if !res.Passed() && strings.Contains(strings.Join(res.Violations, "\n"), tt.want) {
				caught++
			}
		}
		if caught == 0 {
			t.Errorf("%s on %s: got no seed of %d failing with %q, want at least one",
				tt.brk, tt.scenario, breakSeeds, tt.want)
		}
	}
}
