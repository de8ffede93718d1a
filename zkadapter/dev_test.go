package zkadapter

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/squall/squall/core"
)

func TestStartDev(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a JVM")
	}
	if _, err := os.Stat(devServerScript); err != nil {
		t.Skip("Debian's zookeeper package is not installed")
	}
	srv, err := StartDev(context.Background(), DevConfig{})
	if err != nil {
		t.Fatalf("StartDev: %v", err)
	}
	dir := srv.dir
	stopped := false
	defer func() {
		if !stopped {
			srv.Stop()
		}
	}()
	if !ruok(srv.Addr()) {
		t.Fatalf("ruok at %s: got no imok, want one", srv.Addr())
	}
	_, _, s := openReal(t, srv.Addr())
	mustOK(t, s, core.Create{Path: "/dev", Data: []byte("x")})
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	select {
	case <-srv.Exited():
	default:
		t.Fatalf("Exited after Stop: got open, want closed")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("directory %s after Stop: got %v, want it removed", dir, err)
	}
	if ruok(srv.Addr()) {
		t.Fatalf("ruok at %s after Stop: got imok, want no answer", srv.Addr())
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestDevConfigText(t *testing.T) {
	got := devConfigText("/d", 2181, 300*time.Millisecond)
	for _, want := range []string{"tickTime=300\n", "dataDir=/d\n", "clientPort=2181\n", "minSessionTimeout=600\n", "4lw.commands.whitelist=*\n", "admin.enableServer=false\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("config: got %q, want a line %q", got, want)
		}
	}
}
