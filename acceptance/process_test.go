package acceptance

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// wait bounds every wait on an event in this package: generous, since the
// tests run in parallel under the race detector, and never a sleep.
const wait = 20 * time.Second

// process is a program the test started, with its output captured.
type process struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr *output
	exited         chan struct{} // closed when the process has exited
	err            error         // cmd.Wait's answer, once exited is closed
}

// startProcess starts a program and kills it, if it still runs, when the
// test ends; a failed test shows what it printed.
func startProcess(t *testing.T, name string, args ...string) *process {
	t.Helper()
	return startProcessEnv(t, nil, name, args...)
}

// startProcessEnv is startProcess with env (KEY=value) added to the
// environment.
func startProcessEnv(t *testing.T, env []string, name string, args ...string) *process {
	t.Helper()
	p := &process{name: name, cmd: exec.Command(name, args...), stdout: newOutput(), stderr: newOutput(), exited: make(chan struct{})}
	p.cmd.Env = append(environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s %s\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), p.stdout, p.stderr)
		}
	})
	return p
}

// huegate starts the built binary.
func huegate(t *testing.T, args ...string) *process {
	t.Helper()
	return startProcess(t, binary, args...)
}

// environ is this process's environment without HUEGATE_* variables, so
// that only the config file and the flags configure huegate.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HUEGATE_") {
			env = append(env, kv)
		}
	}
	return env
}

// signal sends sig to the process.
func (p *process) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s: %v", p.name, err)
	}
}

// exitCode waits for the process to exit and returns its exit code.
func (p *process) exitCode(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %s", p.name, timeout)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("%s: %v", p.name, p.err)
	}
	return 0
}

// output collects what a process writes and lets a test wait for it.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func newOutput() *output { return &output{changed: make(chan struct{})} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.changed)
	o.changed = make(chan struct{})
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor waits until found reports true for the output so far, or fails
// the test after timeout.
func (o *output) waitFor(t *testing.T, timeout time.Duration, what string, found func(string) bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		o.mu.Lock()
		text, changed := o.buf.String(), o.changed
		o.mu.Unlock()
		if found(text) {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("waited %s for %s; output so far:\n%s", timeout, what, text)
		}
	}
}

// waitMatch waits until re matches the output and returns its submatches.
func (o *output) waitMatch(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	var m []string
	o.waitFor(t, wait, re.String(), func(s string) bool {
		m = re.FindStringSubmatch(s)
		return m != nil
	})
	return m
}

// logLine is one line of huegate's JSON log.
type logLine map[string]any

// logLines parses the complete JSON lines written so far; others are
// skipped.
func (o *output) logLines() []logLine {
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(o.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// waitLog waits until at least n log lines match and returns them.
func (o *output) waitLog(t *testing.T, what string, n int, match func(logLine) bool) []logLine {
	t.Helper()
	var got []logLine
	o.waitFor(t, wait, fmt.Sprintf("%d× log line %s", n, what), func(string) bool {
		got = filterLog(o.logLines(), match)
		return len(got) >= n
	})
	return got
}

func filterLog(lines []logLine, match func(logLine) bool) []logLine {
	var out []logLine
	for _, l := range lines {
		if match(l) {
			out = append(out, l)
		}
	}
	return out
}

func (l logLine) str(key string) string {
	s, _ := l[key].(string)
	return s
}

// httpGet fetches url on a connection of its own, so no idle connection
// outlives the test.
func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: wait}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d, %v: %s", url, resp.StatusCode, err, body)
	}
	return body
}

// httpPut sends body to url with PUT, on a connection of its own.
func httpPut(t *testing.T, url, body string) []byte {
	t.Helper()
	// Playing the Hue app on the emulator, not huegate: no check of its test certificate.
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: wait}
	req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("PUT %s: %v", url, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: HTTP %d, %v: %s", url, resp.StatusCode, err, answer)
	}
	return answer
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)

// metric sums the samples of name at the Prometheus endpoint url whose
// labels include every one in labels.
func metric(t *testing.T, url, name string, labels map[string]string) float64 {
	t.Helper()
	var sum float64
	for _, line := range strings.Split(string(httpGet(t, url)), "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		ok := true
		for k, v := range labels {
			if !strings.Contains(","+m[2]+",", ","+k+"="+strconv.Quote(v)+",") {
				ok = false
			}
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("metric %s: %q: %v", name, line, err)
		}
		sum += v
	}
	return sum
}

// waitMetric polls the metrics endpoint until the sum reaches at least
// want, and returns it.
func waitMetric(t *testing.T, url, name string, labels map[string]string, want float64) float64 {
	t.Helper()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		got := metric(t, url, name, labels)
		if got >= want {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v is %v after %s, want at least %v", name, labels, got, wait, want)
		}
		<-tick.C
	}
}

// needTools skips the test (or fails it under CI=true) without the
// Mosquitto clients, as mqtttest does without the broker.
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"mosquitto_pub", "mosquitto_sub"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " not found in PATH; install the Mosquitto clients (apt-get install mosquitto-clients)"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}
