package emulator

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"
)

// Request is one request as the bridge received it.
type Request struct {
	Time   time.Time // arrival
	Method string
	Path   string // URL path as received, key included
	Body   []byte
	Status int // 0 while in flight, or when no answer was given (hang, reset, client gone)
}

type entry struct {
	Request
	command bool // PUT to a light's state or a group's action, or their v2 twins
	done    bool
}

// isCommand: light and group commands are what the ceiling counts and
// what Commands lists, whatever key they carry.
func isCommand(method string, t target) bool {
	if method != http.MethodPut || len(t.parts) != 3 {
		return false
	}
	return (t.parts[0] == "lights" && t.parts[2] == "state") ||
		(t.parts[0] == "groups" && t.parts[2] == "action")
}

func (b *Bridge) record(r *http.Request, body []byte, command bool) *entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := &entry{Request: Request{Time: b.now(), Method: r.Method, Path: r.URL.Path, Body: body}, command: command}
	b.log = append(b.log, e)
	b.logChangedLocked()
	return e
}

func (b *Bridge) finish(e *entry, status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e.Status, e.done = status, true
	b.logChangedLocked()
}

func (b *Bridge) logChangedLocked() {
	close(b.logCh)
	b.logCh = make(chan struct{})
}

// Requests returns a copy of the request log, oldest first.
func (b *Bridge) Requests() []Request { return b.requests(false) }

// Commands returns the logged PUTs to a light's state or a group's action,
// and v2 PUTs to a light, grouped_light or scene, including those refused
// with 429.
func (b *Bridge) Commands() []Request { return b.requests(true) }

func (b *Bridge) requests(commandsOnly bool) []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Request
	for _, e := range b.log {
		if commandsOnly && !e.command {
			continue
		}
		r := e.Request
		r.Body = bytes.Clone(r.Body)
		out = append(out, r)
	}
	return out
}

// Count429 is how many requests were answered 429 Too Many Requests.
func (b *Bridge) Count429() int {
	n := 0
	for _, r := range b.Requests() {
		if r.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// ResetLog empties the request log. It does not reset the command ceiling:
// the bridge still remembers what it was sent.
func (b *Bridge) ResetLog() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log = nil
	b.logChangedLocked()
}

// WaitRequests waits until n logged requests have been dealt with
// (answered, refused, reset, or abandoned by their client).
func (b *Bridge) WaitRequests(ctx context.Context, n int) error { return b.waitLog(ctx, n, false) }

// WaitCommands is WaitRequests counting only commands.
func (b *Bridge) WaitCommands(ctx context.Context, n int) error { return b.waitLog(ctx, n, true) }

func (b *Bridge) waitLog(ctx context.Context, n int, commandsOnly bool) error {
	for {
		b.mu.Lock()
		ch, done := b.logCh, 0
		for _, e := range b.log {
			if e.done && (e.command || !commandsOnly) {
				done++
			}
		}
		b.mu.Unlock()
		if done >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("emulator: %d of %d requests done: %w", done, n, ctx.Err())
		}
	}
}
