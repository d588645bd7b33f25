package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
	"go.uber.org/goleak"
)

// TestMain builds huegate once for the tests that run it as a process, and
// checks that no test leaks a goroutine.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "huegate-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "huegate")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build huegate: %v\n%s", err, out)
		os.Exit(1)
	}
	// Many huegates run at once here, in-process and as processes: none may
	// take the fixed metrics port, nor collide with a demo left running.
	os.Setenv("HUEGATE_HTTP_LISTEN", "127.0.0.1:0")
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

const fixture = "../../testdata/bridge.json"

// cli runs huegate in-process and returns what it printed and its exit code.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = execute(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// background runs huegate until the test stops it, and returns its exit code
// then.
type background struct {
	cancel context.CancelFunc
	done   chan int
}

func start(t *testing.T, stdout, stderr *testkit.Buffer, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	bg := &background{cancel: cancel, done: make(chan int, 1)}
	go func() { bg.done <- executeContext(ctx, args, stdout, stderr) }()
	t.Cleanup(func() { bg.stop(t) })
	return bg
}

// stop ends the command and returns its exit code (once; later calls -1).
func (bg *background) stop(t *testing.T) int {
	t.Helper()
	bg.cancel()
	select {
	case code, ok := <-bg.done:
		if !ok {
			return -1
		}
		close(bg.done)
		return code
	case <-time.After(15 * time.Second):
		t.Fatal("huegate did not stop")
		return -1
	}
}

// hostConfig is a config file head for the emulator at url.
func hostConfig(url, key string) string {
	return fmt.Sprintf("bridge:\n  host: %s\n  username: %q\n", url, key)
}
