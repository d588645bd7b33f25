package acceptance

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// emulator is `huegate emulate` running as its own process.
type emulator struct {
	URL    string // http://127.0.0.1:PORT, https:// for a bridge with https
	Key    string // the API key it accepts
	CADir  string // where its test CA is kept ("" for the old bridge)
	CAFile string // bridge.ca_file, as it prints it
	p      *process
}

var (
	emulatorURL    = regexp.MustCompile(`Hue bridge emulator on (https?://127\.0\.0\.1:\d+),`)
	emulatorHTTPS  = regexp.MustCompile(`HTTPS URL: (https://127\.0\.0\.1:\d+)\n`)
	emulatorKey    = regexp.MustCompile(`API key: (\S+)\n`)
	emulatorCAFile = regexp.MustCompile(`bridge\.ca_file: (\S+)\n`)
)

// startEmulator runs `huegate emulate` on a free loopback port (port 0: the
// system picks one, and the emulator prints it) and reads its URL and key
// from what it prints, as a user would.
func startEmulator(t *testing.T) emulator {
	t.Helper()
	dir := t.TempDir()
	args := []string{"emulate", "--mode", bridgeMode(), "--listen", "127.0.0.1:0", "--fixture", fixture, "--log-format", "json", "--ca-dir", dir}
	if bridgeMode() != "old" { // the default stream port, 2100, would be one for every emulator
		args = append(args, "--stream-port", "0")
	}
	p := huegate(t, args...)
	e := emulator{URL: p.stdout.waitMatch(t, emulatorURL)[1], Key: p.stdout.waitMatch(t, emulatorKey)[1], p: p}
	if secure() {
		e.URL = p.stdout.waitMatch(t, emulatorHTTPS)[1]
		e.CADir, e.CAFile = dir, p.stdout.waitMatch(t, emulatorCAFile)[1]
	}
	return e
}

// bridgeRequest is a request that reached the bridge through the proxy.
type bridgeRequest struct {
	Method string
	Path   string // as sent, /api/<key>/...
	Body   []byte
	start  int // bridgeLog event number when it arrived
	done   int // event number when answered; 0 until then
}

func (r *bridgeRequest) String() string {
	return fmt.Sprintf("%s %s %s", r.Method, r.Path, r.Body)
}

// bridgeLog records every request between huegate and the bridge.
type bridgeLog struct {
	key string
	// answer, when set, may answer a request in the bridge's place (a
	// bridge that misbehaves); it reports whether it did.
	answer atomic.Pointer[func(http.ResponseWriter, *http.Request) bool]

	mu      sync.Mutex
	events  int
	reqs    []*bridgeRequest
	changed chan struct{} // closed and replaced on every event
	names   *v2Names      // records CLIP v2 requests as the v1 requests they mean; nil for v1
}

// startProxy serves a recording reverse proxy to the bridge emu on a
// loopback port and returns the log and the host to give huegate: its
// address without a scheme, over https with a certificate the bridge's CA
// issued to the bridge id when the bridge has https.
func startProxy(t *testing.T, emu emulator) (*bridgeLog, string) {
	t.Helper()
	target, key := emu.URL, emu.Key
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	// The hop from the proxy to the bridge; huegate's hop is verified.
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = tr
	rp.ErrorLog = log.New(io.Discard, "", 0) // a bridge that is gone is a test's own doing
	l := &bridgeLog{key: key, changed: make(chan struct{})}
	if v2() {
		l.names = readV2Names(t, target, key)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		req := l.arrived(r.Method, r.URL.Path, body)
		if f := l.answer.Load(); f == nil || !(*f)(w, r) {
			rp.ServeHTTP(w, r)
		}
		l.answered(req)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if secure() {
		srv.TLS = proxyTLS(t, emu.CADir, fixtureBridgeID)
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
		if t.Failed() {
			t.Logf("requests that reached the bridge:\n%s", l)
		}
	})
	_, host, _ := strings.Cut(srv.URL, "://")
	return l, host
}

func (l *bridgeLog) arrived(method, path string, body []byte) *bridgeRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events++
	if l.names != nil {
		path, body = l.names.asV1(l.key, method, path, body)
	}
	r := &bridgeRequest{Method: method, Path: path, Body: body, start: l.events}
	l.reqs = append(l.reqs, r)
	l.notify()
	return r
}

func (l *bridgeLog) answered(r *bridgeRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events++
	r.done = l.events
	l.notify()
}

func (l *bridgeLog) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *bridgeLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.reqs {
		fmt.Fprintf(&b, "  %s\n", r)
	}
	return b.String()
}

// mark is the position of the next request to arrive.
func (l *bridgeLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

// since returns the requests that arrived from position from on.
func (l *bridgeLog) since(from int) []bridgeRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []bridgeRequest
	for _, r := range l.reqs[from:] {
		out = append(out, *r)
	}
	return out
}

// waitFor waits for a request from position from on that matches, and
// returns its position.
func (l *bridgeLog) waitFor(t *testing.T, from int, what string, match func(bridgeRequest) bool) int {
	t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		changed := l.changed
		for i := from; i < len(l.reqs); i++ {
			if match(*l.reqs[i]) {
				l.mu.Unlock()
				return i
			}
		}
		l.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no request %s reached the bridge within %s; these did (from #%d on):\n%s", what, wait, from, l.describe(from))
		}
	}
}

func (l *bridgeLog) describe(from int) string {
	var b strings.Builder
	for i, r := range l.since(from) {
		fmt.Fprintf(&b, "  #%d %s\n", from+i, &r)
	}
	return b.String()
}

// api is the path of a resource under the API key, e.g. /lights/3/state.
func (l *bridgeLog) api(resource string) string { return "/api/" + l.key + resource }

// put matches a PUT to resource whose JSON body equals body.
func (l *bridgeLog) put(resource, body string) func(bridgeRequest) bool {
	path := l.api(resource)
	return func(r bridgeRequest) bool {
		return r.Method == http.MethodPut && r.Path == path && jsonEqual(r.Body, []byte(body))
	}
}

// waitPut waits for a PUT of exactly body to resource from position from
// on, and returns the position after it.
func (l *bridgeLog) waitPut(t *testing.T, from int, resource, body string) int {
	t.Helper()
	return l.waitFor(t, from, "PUT "+resource+" "+body, l.put(resource, body)) + 1
}

// putsTo returns the PUTs to resource from position from on.
func (l *bridgeLog) putsTo(from int, resource string) []bridgeRequest {
	var out []bridgeRequest
	for _, r := range l.since(from) {
		if r.Method == http.MethodPut && r.Path == l.api(resource) {
			out = append(out, r)
		}
	}
	return out
}

// waitPolledTwice waits until huegate has polled the bridge at least
// twice: three reads of the groups, each begun after the one before was
// answered (start-up reads them once to check names). huegate polls in one
// loop (lights, groups, then what it learns from them: slugs, scenes), so
// by the third read the first poll's findings are in use.
func (l *bridgeLog) waitPolledTwice(t *testing.T) {
	t.Helper()
	groups := l.api("/groups")
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		changed, chain, answered := l.changed, 0, 0
		for _, r := range l.reqs {
			if r.Method != http.MethodGet || r.Path != groups || r.start < answered || r.done == 0 {
				continue
			}
			chain, answered = chain+1, r.done
		}
		l.mu.Unlock()
		if chain >= 3 {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("huegate did not poll the bridge twice within %s; requests:\n%s", wait, l)
		}
	}
}

// jsonEqual reports whether two JSON documents hold the same value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// object decodes a JSON object or fails the test.
func object(t *testing.T, what string, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: not a JSON object: %v: %q", what, err, data)
	}
	return m
}
