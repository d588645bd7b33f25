package httpserve

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/rs/zerolog"
)

// serve serves h within l on a free loopback port until the test ends.
func serve(t *testing.T, l Limits, h http.Handler, log zerolog.Logger) string {
	t.Helper()
	ln, err := l.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := l.Server(h, log)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })

// get sends a keep-alive request on a new connection and returns it with
// its reader, once the answer has come.
func get(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, r := request(t, addr)
	if err := answer(t, c, r, 5*time.Second); err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return c, r
}

func request(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

// answer reads a response within timeout; an error if none came.
func answer(t *testing.T, c net.Conn, r *bufio.Reader, timeout time.Duration) error {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// closedWithin reports how long the server took to close c, failing after
// limit.
func closedWithin(t *testing.T, c net.Conn, r *bufio.Reader, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit))
	_, err := r.ReadByte()
	if !errors.Is(err, io.EOF) {
		t.Fatalf("read %v, want the server to close the connection within %v", err, limit)
	}
	return time.Since(start)
}

// A connection that has had its answer and says nothing more is closed
// after IdleTimeout, and one that never sends a request after
// ReadHeaderTimeout: neither holds a file descriptor for ever.
func TestIdleAndSilentConnectionsAreClosed(t *testing.T) {
	l := Limits{MaxConns: 4, ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, WriteTimeout: time.Second}
	addr := serve(t, l, ok, zerolog.Nop())
	c, r := get(t, addr)
	idle := closedWithin(t, c, r, 3*time.Second)
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	header := closedWithin(t, silent, bufio.NewReader(silent), 3*time.Second)
	if idle < 250*time.Millisecond || header < 150*time.Millisecond {
		t.Errorf("closed after %v idle and %v silent: before the limits", idle, header)
	}
	t.Logf("idle kept-alive connection closed after %v (limit 300 ms), silent one after %v (200 ms)", idle, header)
}

// Past MaxConns, a connection waits in the kernel's queue, taking nothing
// from huegate, and is served once another closes.
func TestConnectionsPastTheCapWaitTheirTurn(t *testing.T) {
	l := Default
	l.MaxConns = 2
	addr := serve(t, l, ok, zerolog.Nop())
	first, _ := get(t, addr)
	get(t, addr)
	c, r := request(t, addr)
	if err := answer(t, c, r, 300*time.Millisecond); err == nil {
		t.Fatal("a third connection was served with 2 held and MaxConns 2")
	}
	first.Close()
	if err := answer(t, c, r, 5*time.Second); err != nil {
		t.Fatalf("the third connection was not served once one closed: %v", err)
	}
}

// The server's own error lines go to huegate's log as JSON warnings, not
// plain text on stderr.
func TestTheServersErrorsAreLogLines(t *testing.T) {
	logs := &testkit.Buffer{}
	twice := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.WriteHeader(http.StatusTeapot) // the server logs a superfluous call
	})
	addr := serve(t, Default, twice, zerolog.New(logs))
	get(t, addr)
	logs.WaitCount(t, "superfluous response.WriteHeader", 1, 5*time.Second)
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil || entry["level"] != "warn" {
			t.Errorf("log line %q is not a zerolog warning", line)
		}
	}
}
