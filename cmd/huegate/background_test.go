package main

import (
	"context"
	"errors"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
)

// bgCommand is a huegate command running in the test's process until the
// test ends, as it would in a terminal until Ctrl-C.
type bgCommand struct {
	stdout, stderr *testkit.Buffer
	done           chan error
}

// startCommand runs huegate with args in the background; the test's end
// cancels it (like a signal) and waits for it to return.
func startCommand(t *testing.T, args ...string) *bgCommand {
	t.Helper()
	c := &bgCommand{stdout: &testkit.Buffer{}, stderr: &testkit.Buffer{}, done: make(chan error, 1)}
	root := newRoot(&globals{stdout: c.stdout, stderr: c.stderr})
	root.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { c.done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-c.done:
			if err != nil {
				t.Errorf("huegate %v returned %v", args, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("huegate %v did not stop within 10s", args)
		}
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", c.stdout, c.stderr)
		}
	})
	return c
}

// waitStdout polls the command's output until re matches, and returns the
// submatches. It fails the test if the command ends or 10 s pass first.
func (c *bgCommand) waitStdout(t *testing.T, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := rx.FindStringSubmatch(c.stdout.String()); m != nil {
			return m
		}
		select {
		case err := <-c.done:
			c.done <- err // for the cleanup
			t.Fatalf("command ended (%v) before printing %q; stderr:\n%s", err, re, c.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output within 10s:\n%s\nstderr:\n%s", re, c.stdout, c.stderr)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

// runFor runs huegate in-process for a command that should end by itself
// (usually refusing to start), cancelling it after 10 s so that a
// regression fails the test instead of hanging it. It returns what execute
// would print for the error, what the command logged, and the exit code.
func runFor(t *testing.T, args ...string) (printed, logged string, code int) {
	t.Helper()
	stderr := &testkit.Buffer{}
	root := newRoot(&globals{stdout: io.Discard, stderr: stderr})
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if ctx.Err() != nil {
		t.Fatalf("huegate %v was still running after 10s; it logged:\n%s", args, stderr)
	}
	if err == nil {
		return "", stderr.String(), 0
	}
	code = 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	return "huegate: " + err.Error() + "\n", stderr.String(), code
}
