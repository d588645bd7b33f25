// Package testkit holds the few helpers every test package needs: waiting
// for a condition until a deadline, and a buffer that goroutines write to
// while a test reads it. It is for tests only.
package testkit

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Eventually polls cond until it holds, and fails the test after timeout.
func Eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		<-tick.C // polling with a deadline, not synchronising
	}
}

// Buffer collects output written from other goroutines (a log, a child
// process's output) and lets a test wait for a line. The zero value is
// ready to use.
type Buffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
	}
	b.changed = make(chan struct{})
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Count is how often s occurs so far.
func (b *Buffer) Count(s string) int { return strings.Count(b.String(), s) }

// WaitCount waits until s occurs at least n times, and fails the test after
// timeout.
func (b *Buffer) WaitCount(tb testing.TB, s string, n int, timeout time.Duration) {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		got, ch := strings.Count(b.buf.String(), s), b.changed
		b.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			tb.Fatalf("waited %s for %d× %q, saw %d; output:\n%s", timeout, n, s, got, b.String())
		}
	}
}

// WriteConfig writes content as config.yaml in a fresh directory and returns
// its path.
func WriteConfig(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// ReadText is a file's content.
func ReadText(tb testing.TB, path string) string {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(data)
}

// Get fetches url and returns its status and body.
func Get(tb testing.TB, url string) (int, string) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// BombKeys and BombAliases shape the YAML of KeyBomb and MappingBomb: a map
// of BombKeys keys, repeated by BombAliases aliases.
const (
	BombKeys    = 1000
	BombAliases = 100
)

// KeyBomb is about 10 KB of YAML that expands to BombKeys*(BombAliases+1)
// keys (101,000), in the style of "billion laughs": a top-level map m of
// BombKeys keys, and BombAliases top-level keys x0, x1, ... that are each an
// alias of it. None is a key huegate knows. It goes after a config's
// sections.
func KeyBomb() string {
	var b strings.Builder
	bombMap(&b, "")
	for i := range BombAliases {
		fmt.Fprintf(&b, "x%d: *m\n", i)
	}
	return b.String()
}

// MappingBomb is the same map with a topic, given BombAliases times as the
// mappings: BombAliases mappings with BombKeys unknown keys each, all on one
// topic. It replaces a config's mappings.
func MappingBomb() string {
	var b strings.Builder
	bombMap(&b, "topic: lights, lights: [3], ")
	b.WriteString("mappings:\n")
	for range BombAliases {
		b.WriteString("  - *m\n")
	}
	return b.String()
}

func bombMap(b *strings.Builder, first string) {
	b.WriteString("m: &m {" + first)
	for i := range BombKeys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "k%d: 1", i)
	}
	b.WriteString("}\n")
}
