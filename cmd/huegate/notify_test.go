//go:build unix

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/rs/zerolog"
)

// notifySocket plays systemd: a unix datagram socket named name, exported as
// $NOTIFY_SOCKET.
func notifySocket(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return conn
}

// nextNotice waits up to timeout for one datagram.
func nextNotice(t *testing.T, conn *net.UnixConn, timeout time.Duration) string {
	t.Helper()
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(timeout))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no notification within %v: %v", timeout, err)
	}
	return string(buf[:n])
}

// pending returns the datagrams already queued on conn, without waiting.
// (A read deadline in the past fails before even looking at the queue, so
// this reads with MSG_DONTWAIT instead.)
func pending(t *testing.T, conn *net.UnixConn) []string {
	t.Helper()
	raw, err := conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	buf := make([]byte, 4096)
	for {
		var n int
		var rerr error
		if err := raw.Read(func(fd uintptr) bool {
			n, _, rerr = syscall.Recvfrom(int(fd), buf, syscall.MSG_DONTWAIT)
			return true // never wait for more
		}); err != nil {
			t.Fatal(err)
		}
		if errors.Is(rerr, syscall.EAGAIN) {
			return out
		}
		if rerr != nil {
			t.Fatal(rerr)
		}
		out = append(out, string(buf[:n]))
	}
}

func TestNotifySendsReadyThenStopping(t *testing.T) {
	cleanEnv(t)
	conn := notifySocket(t, filepath.Join(t.TempDir(), "notify.sock"))

	stopping := newNotifier(zerolog.Nop()).ready(func() bool { return true })
	if got := nextNotice(t, conn, 5*time.Second); !strings.HasPrefix(got, "READY=1\n") || !strings.Contains(got, "STATUS=") {
		t.Fatalf("first message %q, want READY=1 with a STATUS", got)
	}
	stopping()
	if got := nextNotice(t, conn, 5*time.Second); !strings.HasPrefix(got, "STOPPING=1\n") {
		t.Fatalf("second message %q, want STOPPING=1", got)
	}
}

func TestNotifyReachesAnAbstractSocket(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("abstract unix sockets exist on Linux only")
	}
	cleanEnv(t)
	name := fmt.Sprintf("@huegate-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	conn := notifySocket(t, name)

	if err := newNotifier(zerolog.Nop()).send("READY=1"); err != nil {
		t.Fatal(err)
	}
	if got := nextNotice(t, conn, 5*time.Second); got != "READY=1" {
		t.Fatalf("got %q", got)
	}
}

func TestNotifyOutsideSystemdDoesNothing(t *testing.T) {
	cleanEnv(t)
	t.Setenv("WATCHDOG_USEC", "20000")
	n := newNotifier(zerolog.Nop())
	if err := n.send("READY=1"); err != nil {
		t.Fatalf("without NOTIFY_SOCKET send must be a no-op, got %v", err)
	}
	var checks atomic.Int32
	n.ready(func() bool { checks.Add(1); return true })() // must not start a watchdog (goleak checks)
	if checks.Load() != 0 {
		t.Fatal("watchdog ran without NOTIFY_SOCKET")
	}
}

func TestNotifyFailureIsAnErrorNamingTheSocket(t *testing.T) {
	cleanEnv(t)
	gone := filepath.Join(t.TempDir(), "gone.sock")
	t.Setenv("NOTIFY_SOCKET", gone)
	err := newNotifier(zerolog.Nop()).send("READY=1")
	if err == nil || !strings.Contains(err.Error(), gone) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func TestWatchdogIntervalIsHalfOfWatchdogUsecForThisProcess(t *testing.T) {
	cleanEnv(t)
	for _, tc := range []struct {
		usec, pid string
		want      time.Duration
	}{
		{"", "", 0},
		{"junk", "", 0},
		{"0", "", 0},
		{"-5", "", 0},
		{"30000000", "", 15 * time.Second},
		{"30000000", strconv.Itoa(os.Getpid()), 15 * time.Second},
		{"30000000", "1", 0}, // meant for another process
	} {
		t.Setenv("WATCHDOG_USEC", tc.usec)
		t.Setenv("WATCHDOG_PID", tc.pid)
		if got := watchdogInterval(); got != tc.want {
			t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: %v, want %v", tc.usec, tc.pid, got, tc.want)
		}
	}
}

func TestWatchdogPingsOnlyWhileTheBrokerIsConnected(t *testing.T) {
	cleanEnv(t)
	conn := notifySocket(t, filepath.Join(t.TempDir(), "notify.sock"))
	t.Setenv("WATCHDOG_USEC", "20000") // a ping every 10 ms

	var connected atomic.Bool
	var falseChecks atomic.Int32
	connected.Store(true)
	healthy := func() bool {
		if connected.Load() {
			return true
		}
		falseChecks.Add(1)
		return false
	}
	stop := newNotifier(zerolog.Nop()).startWatchdog(healthy)
	defer stop()

	for i := 0; i < 3; i++ {
		if got := nextNotice(t, conn, 5*time.Second); got != "WATCHDOG=1" {
			t.Fatalf("got %q, want WATCHDOG=1", got)
		}
	}

	connected.Store(false)
	// Pings and checks take turns on one goroutine: once a check has said
	// "disconnected", every earlier ping is already queued on the socket.
	testkit.Eventually(t, 5*time.Second, "a disconnected check", func() bool { return falseChecks.Load() >= 1 })
	pending(t, conn)
	testkit.Eventually(t, 5*time.Second, "three more checks", func() bool { return falseChecks.Load() >= 4 })
	if got := pending(t, conn); len(got) > 0 {
		t.Fatalf("pinged while disconnected: %q", got)
	}

	connected.Store(true)
	if got := nextNotice(t, conn, 5*time.Second); got != "WATCHDOG=1" {
		t.Fatalf("after reconnecting got %q, want WATCHDOG=1", got)
	}
}
