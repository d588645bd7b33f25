package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Spawn starts the world of one run.
type Spawn func(ctx context.Context) (*worldConn, error)

// Exec runs the world as a child process: name and args must lead to
// ServeWorld (huegate runs itself as `huegate bench world`). Its stderr is
// the bench's.
func Exec(name string, args ...string) Spawn {
	return func(ctx context.Context) (*worldConn, error) {
		cmd := exec.Command(name, args...)
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, fmt.Errorf("start the world: %w", err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, fmt.Errorf("start the world: %w", err)
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start the world: %w", err)
		}
		return newWorldConn(in, out, cmd.Wait, func() { _ = cmd.Process.Kill() }), nil
	}
}

// InProcess runs the world in this process, for tests: the figures then
// include the world's own work.
func InProcess() Spawn {
	return func(ctx context.Context) (*worldConn, error) {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		done := make(chan error, 1)
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		go func() {
			err := ServeWorld(wctx, inR, outW)
			_ = outW.Close()
			_ = inR.Close()
			done <- err
		}()
		return newWorldConn(inW, outR, func() error { return <-done }, cancel), nil
	}
}

// worldConn is the bench's end of the line protocol.
type worldConn struct {
	in     io.WriteCloser
	out    *lineWriter
	events chan event
	done   chan struct{} // closed by close: stop delivering events
	read   sync.WaitGroup
	wait   func() error
	kill   func()
}

// maxLine bounds one event; a report lists every command the bridge saw.
const maxLine = 64 << 20

func newWorldConn(in io.WriteCloser, out io.Reader, wait func() error, kill func()) *worldConn {
	c := &worldConn{in: in, out: newLineWriter(in), events: make(chan event), done: make(chan struct{}), wait: wait, kill: kill}
	c.read.Go(func() {
		defer close(c.events)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		for sc.Scan() {
			var e event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				e = event{Event: evError, Error: fmt.Sprintf("unreadable line from the world: %.80q", sc.Text())}
			}
			select {
			case c.events <- e:
			case <-c.done:
			}
		}
		_, _ = io.Copy(io.Discard, out) // a line too long: keep the world from blocking
	})
	return c
}

func (c *worldConn) send(cmd command) error { return c.out.write(cmd) }

// errWorldGone is the world's output ending before the run did.
var errWorldGone = errors.New("the world process ended early (see its output above)")

// errTimeout is an event that did not come in time.
var errTimeout = errors.New("timed out")

// expect waits for the named event. tick, if set, runs every tickEvery while
// waiting. An error event, the world ending, ctx or the timeout end the wait
// with an error.
func (c *worldConn) expect(ctx context.Context, name string, timeout time.Duration, tick func()) (event, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var ticks <-chan time.Time
	if tick != nil {
		t := time.NewTicker(tickEvery)
		defer t.Stop()
		ticks = t.C
	}
	for {
		select {
		case e, ok := <-c.events:
			switch {
			case !ok:
				return event{}, errWorldGone
			case e.Event == evError:
				return event{}, errors.New(e.Error)
			case e.Event == name:
				return e, nil
			}
		case <-ticks:
			tick()
		case <-deadline.C:
			return event{}, fmt.Errorf("%w: no %q from the world within %s", errTimeout, name, timeout)
		case <-ctx.Done():
			return event{}, ctx.Err()
		}
	}
}

// tickEvery is how often the bench looks at its system while it waits.
const tickEvery = 5 * time.Millisecond

// close ends the world: its stdin closes, it cleans up and exits; one that
// does not within closeTimeout is killed.
func (c *worldConn) close() error {
	_ = c.in.Close()
	close(c.done)
	errc := make(chan error, 1)
	go func() { errc <- c.wait() }()
	var err error
	select {
	case err = <-errc:
	case <-time.After(closeTimeout):
		c.kill()
		err = <-errc
	}
	c.read.Wait()
	return err
}

const closeTimeout = 15 * time.Second
