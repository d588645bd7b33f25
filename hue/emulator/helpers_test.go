package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const fixture = "../../testdata/bridge.json"

// api is a path under the default key: api("lights", "3") = /api/<key>/lights/3.
func api(parts ...string) string {
	return strings.TrimSuffix("/api/"+DefaultKey+"/"+strings.Join(parts, "/"), "/")
}

// clock is a settable time source, so window and timeout rules can be
// tested without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2024, 5, 4, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// serve starts the fixture bridge, optionally on a fake clock.
func serve(t *testing.T, c *clock, opts ...Option) *Server {
	t.Helper()
	b, err := Load(fixture, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if c != nil {
		b.now = c.Now
	}
	return serveBridge(t, b)
}

func serveBridge(t *testing.T, b *Bridge) *Server {
	t.Helper()
	s, err := Start(b, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// client talks to a server over fresh connections, so nothing idles on
// after a test.
type client struct {
	t      *testing.T
	base   string
	http   *http.Client
	header http.Header // sent with every request
}

func newClient(t *testing.T, s *Server) *client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, base: s.URL, http: &http.Client{Transport: tr}}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) try(ctx context.Context, method, path, body string) (reply, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, strings.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, err
}

func (c *client) do(method, path, body string) reply {
	c.t.Helper()
	r, err := c.try(context.Background(), method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (c *client) get(path string) reply { c.t.Helper(); return c.do(http.MethodGet, path, "") }

func (c *client) put(path, body string) reply { c.t.Helper(); return c.do(http.MethodPut, path, body) }

// assertJSON compares JSON by meaning: member order and spacing aside.
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("answer\n got %s\nwant %s", got, want)
	}
}

func decode(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, data)
	}
	return v
}

// fixtureJSON is the fixture file decoded, to compare answers against.
func fixtureJSON(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, data).(map[string]any)
}

func light(t *testing.T, b *Bridge, id string) LightState {
	t.Helper()
	st, ok := b.Light(id)
	if !ok {
		t.Fatalf("light %s missing", id)
	}
	return st
}

func timeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitArrived waits until n requests are in the log, answered or not.
func waitArrived(t *testing.T, b *Bridge, n int) {
	t.Helper()
	ctx := timeout(t)
	for {
		b.mu.Lock()
		got, ch := len(b.log), b.logCh
		b.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("%d of %d requests arrived", got, n)
		}
	}
}
