package procs

import (
	"os"
	"strings"
	"testing"

	"github.com/squall/squall/core"
)

func TestParseStat(t *testing.T) {
	rest := " 1 1 1 0 -1 4194560 100 0 0 0 5 2 0 0 20 0 1 0 %s 1000 200"
	for _, tc := range []struct {
		name, line string
		state      byte
		ticks      uint64
		wantErr    bool
	}{
		{"plain", "42 (squall) S" + strings.Replace(rest, "%s", "123456", 1), 'S', 123456, false},
		{"spaces and parens in name", "42 (a) b (c d) Z" + strings.Replace(rest, "%s", "7", 1), 'Z', 7, false},
		{"no parens", "42 squall S 1 1", 0, 0, true},
		{"too short", "42 (squall) S 1 1", 0, 0, true},
		{"bad ticks", "42 (squall) S" + strings.Replace(rest, "%s", "x", 1), 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := parseStat([]byte(tc.line))
			if (err != nil) != tc.wantErr {
				t.Fatalf("got error %v, want error %v", err, tc.wantErr)
			}
			if err == nil && (st.state != tc.state || st.startTicks != tc.ticks) {
				t.Fatalf("got state %c ticks %d, want %c %d", st.state, st.startTicks, tc.state, tc.ticks)
			}
		})
	}
}

// Our own stat parses, and our start time stays put.
func TestReadStatSelf(t *testing.T) {
	a, err := readStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	b, err := readStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if a.dead() || a.startTicks == 0 || a.startTicks != b.startTicks {
		t.Fatalf("got %+v then %+v, want a live process with a fixed start time", a, b)
	}
	if _, err := readStat(1 << 30); err != errNoProcess {
		t.Fatalf("got %v for a pid past pid_max, want errNoProcess", err)
	}
}

func TestDecodeRecord(t *testing.T) {
	good := record{Port: 6700, PID: 42, Topology: "wc", Epoch: 3, BootID: "b", StartTicks: 9}
	for _, tc := range []struct {
		name    string
		key     []byte
		value   []byte
		wantErr string
	}{
		{"good", recordKey(6700), good.encode(), ""},
		{"not json", recordKey(6700), []byte("{"), "unexpected end of JSON input"},
		{"other port", recordKey(6701), good.encode(), "port 6700"},
		{"bad key", []byte("worker/x"), good.encode(), "port 6700"},
		{"init pid", recordKey(6700), record{Port: 6700, PID: 1}.encode(), "pid 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := decodeRecord(tc.key, tc.value)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.wantErr == "" && rec != good:
				t.Fatalf("got %+v, want %+v", rec, good)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
	if got, want := string(recordKey(core.Port(80))), "worker/00080"; got != want {
		t.Fatalf("got key %q, want %q", got, want)
	}
}
