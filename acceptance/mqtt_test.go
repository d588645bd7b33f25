package acceptance

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// pub publishes one message with mosquitto_pub at QoS 1 to the broker at
// addr (host:port) and returns once the broker has acknowledged it. The
// payload goes through stdin, so any bytes can be sent.
func pub(t *testing.T, addr, topic, payload string, retain bool) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-h", host, "-p", port, "-q", "1", "-t", topic, "-s"}
	if retain {
		args = append(args, "-r")
	}
	mosquittoPub(t, args, payload)
}

// mosquittoPub runs mosquitto_pub with args and payload on stdin.
func mosquittoPub(t *testing.T, args []string, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mosquitto_pub", args...)
	cmd.Stdin = strings.NewReader(payload)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_pub %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// after matches messages recorded after t0 that match too.
func after(t0 time.Time, match func(mqtttest.Message) bool) func(mqtttest.Message) bool {
	return func(m mqtttest.Message) bool { return m.Time.After(t0) && match(m) }
}

// payloadIs matches a message on topic with exactly payload.
func payloadIs(topic, payload string) func(mqtttest.Message) bool {
	return func(m mqtttest.Message) bool { return m.Topic == topic && string(m.Payload) == payload }
}

// stateHas matches a JSON state on topic whose fields include every one in
// want (compared as JSON values).
func stateHas(topic string, want map[string]any) func(mqtttest.Message) bool {
	return func(m mqtttest.Message) bool {
		if m.Topic != topic {
			return false
		}
		return fieldsMatch(m.Payload, want)
	}
}

// fieldsMatch reports whether the JSON object doc holds each field of want
// with the same JSON value.
func fieldsMatch(doc []byte, want map[string]any) bool {
	var got map[string]any
	if json.Unmarshal(doc, &got) != nil {
		return false
	}
	for k, v := range want {
		w, err := json.Marshal(v)
		if err != nil {
			return false
		}
		g, err := json.Marshal(got[k])
		if err != nil || !jsonEqual(g, w) {
			return false
		}
	}
	return true
}

// linesOf collects a mosquitto_sub -v output's "topic payload" lines.
func linesOf(out string) []string {
	return strings.Split(strings.TrimRight(out, "\n"), "\n")
}

func hasLine(out, line string) bool {
	for _, l := range linesOf(out) {
		if l == line {
			return true
		}
	}
	return false
}

// tcpProxy forwards TCP connections to a broker and can cut them: huegate
// then loses its broker, as when the network drops, until resume.
type tcpProxy struct {
	addr   string // 127.0.0.1:PORT, to give huegate
	target string
	l      net.Listener
	wg     sync.WaitGroup

	mu     sync.Mutex
	refuse bool
	conns  map[net.Conn]bool
}

// startTCPProxy listens on a free loopback port and forwards to target.
func startTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{addr: l.Addr().String(), target: target, l: l, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		l.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *tcpProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", p.target, wait)
		p.mu.Lock()
		if err != nil || p.refuse {
			p.mu.Unlock()
			c.Close()
			if up != nil {
				up.Close()
			}
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *tcpProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// cut closes every connection and refuses new ones until resume.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = true
	for c := range p.conns {
		c.Close()
	}
}

// resume lets connections through again.
func (p *tcpProxy) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = false
}
