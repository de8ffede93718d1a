package zkadapter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DevConfig configures a development ZooKeeper.
type DevConfig struct {
	Dir      string        // data, logs and config; "" for a temporary directory removed by Stop
	Port     int           // client port on 127.0.0.1; 0 for a free one
	TickTime time.Duration // ZooKeeper's tick (session timeouts are 2 to 20 ticks); 0 for 200ms
	Logger   *slog.Logger  // nil: discard
}

// devServerScript is Debian's ZooKeeper launcher (package zookeeper).
const devServerScript = "/usr/share/zookeeper/bin/zkServer.sh"

// devReadyTimeout bounds the wait for a started server to be ready.
const devReadyTimeout = 60 * time.Second

// devStopGrace is how long Stop waits after SIGTERM before SIGKILL.
const devStopGrace = 5 * time.Second

// devTickTimeDefault is the tick when DevConfig.TickTime is zero.
const devTickTimeDefault = 200 * time.Millisecond

// ErrNoZooKeeper reports that Debian's zookeeper package is not installed.
var ErrNoZooKeeper = errors.New("zkadapter: ZooKeeper not found at " + devServerScript +
	": install Debian's zookeeper package: apt-get install -y zookeeper")

// DevServer is a standalone ZooKeeper running as a child process, for
// `squall dev-zookeeper` and tests. It is not for production: one server,
// no replication.
type DevServer struct {
	addr    string
	dir     string
	ownDir  bool // dir was created by StartDev and is removed by Stop
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has been waited for
	waitErr error         // set before exited is closed
	log     *slog.Logger
	stop    sync.Once
	stopErr error
}

// StartDev starts ZooKeeper from Debian's package with its data in cfg.Dir
// and returns once it answers ruok. The server runs in its own process group
// so that Stop ends the JVM and anything it started; ctx bounds the start
// only.
func StartDev(ctx context.Context, cfg DevConfig) (*DevServer, error) {
	if _, err := os.Stat(devServerScript); err != nil {
		return nil, ErrNoZooKeeper
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &DevServer{dir: cfg.Dir, log: log, exited: make(chan struct{})}
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "squall-zk-")
		if err != nil {
			return nil, fmt.Errorf("zkadapter: dev ZooKeeper directory: %w", err)
		}
		s.dir, s.ownDir = dir, true
	}
	port := cfg.Port
	if port == 0 {
		p, err := freePort()
		if err != nil {
			s.removeDir()
			return nil, err
		}
		port = p
	}
	s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tick := cfg.TickTime
	if tick <= 0 {
		tick = devTickTimeDefault
	}
	if err := s.start(port, tick); err != nil {
		s.removeDir()
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	log.Info("dev ZooKeeper ready", "addr", s.addr, "dir", s.dir)
	return s, nil
}

// Addr is the server's client address, host:port.
func (s *DevServer) Addr() string { return s.addr }

// Exited is closed when the server process has exited, by Stop or not.
func (s *DevServer) Exited() <-chan struct{} { return s.exited }

func (s *DevServer) start(port int, tick time.Duration) error {
	dataDir, logDir := filepath.Join(s.dir, "data"), filepath.Join(s.dir, "log")
	for _, d := range []string{dataDir, logDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("zkadapter: dev ZooKeeper directory: %w", err)
		}
	}
	cfgPath := filepath.Join(s.dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(devConfigText(dataDir, port, tick)), 0o644); err != nil {
		return fmt.Errorf("zkadapter: dev ZooKeeper config: %w", err)
	}
	out, err := os.Create(filepath.Join(logDir, "server.out"))
	if err != nil {
		return fmt.Errorf("zkadapter: dev ZooKeeper output: %w", err)
	}
	defer out.Close() // the child has its own descriptor
	cmd := exec.Command(devServerScript, "start-foreground", cfgPath)
	// Debian's zkEnv.sh fixes ZOO_LOG_DIR; the JVM flag after it wins.
	cmd.Env = append(os.Environ(),
		"ZOO_LOG_DIR="+logDir,
		"SERVER_JVMFLAGS=-Dzookeeper.log.dir="+logDir+" -Dzookeeper.root.logger=INFO,ROLLINGFILE")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("zkadapter: starting dev ZooKeeper: %w", err)
	}
	s.cmd = cmd
	// The waiter is the process's owner; it ends when the process exits.
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

func devConfigText(dataDir string, port int, tick time.Duration) string {
	tickMs := max(tick.Milliseconds(), 1)
	return fmt.Sprintf(`tickTime=%d
initLimit=10
syncLimit=5
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
maxClientCnxns=0
minSessionTimeout=%d
admin.enableServer=false
4lw.commands.whitelist=*
`, tickMs, dataDir, port, 2*tickMs)
}

// devPollPeriod is how often waitReady asks ruok.
const devPollPeriod = 100 * time.Millisecond

func (s *DevServer) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, devReadyTimeout)
	defer cancel()
	for {
		if ruok(s.addr) {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("zkadapter: dev ZooKeeper exited during start (%v); see %s",
				s.waitErr, filepath.Join(s.dir, "log", "server.out"))
		case <-ctx.Done():
			return fmt.Errorf("zkadapter: dev ZooKeeper at %s not ready: %w", s.addr, ctx.Err())
		case <-time.After(devPollPeriod):
		}
	}
}

// ruok reports whether the server is ready for clients: it answers the
// four-letter command ruok with imok (its listener is up) and srvr with its
// mode (it serves requests; until then it closes clients' connections).
func ruok(addr string) bool {
	return fourLetter(addr, "ruok") == "imok" && strings.Contains(fourLetter(addr, "srvr"), "Mode: ")
}

// fourLetterAnswerMax bounds the answer read to a four-letter command.
const fourLetterAnswerMax = 4096

// fourLetter sends a four-letter command and returns the answer, "" on error.
func fourLetter(addr, cmd string) string {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return ""
	}
	if _, err := c.Write([]byte(cmd)); err != nil {
		return ""
	}
	answer, _ := io.ReadAll(io.LimitReader(c, fourLetterAnswerMax))
	return string(answer)
}

// Stop ends the server's process group (SIGTERM, then SIGKILL after
// devStopGrace), waits for it, and removes the directory StartDev created.
// It is safe to call more than once.
func (s *DevServer) Stop() error {
	s.stop.Do(func() {
		if s.cmd != nil {
			pgid := s.cmd.Process.Pid
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(devStopGrace):
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				<-s.exited
			}
		}
		s.stopErr = s.removeDir()
	})
	return s.stopErr
}

func (s *DevServer) removeDir() error {
	if !s.ownDir {
		return nil
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("zkadapter: removing %s: %w", s.dir, err)
	}
	return nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("zkadapter: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
