package acceptance

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// runWorld is `huegate run` as the README sets it up: Mosquitto, the
// emulated bridge (`huegate emulate`) and huegate, each a process of its
// own, with a recording proxy between huegate and the bridge.
type runWorld struct {
	emulator emulator // the bridge itself, past the proxy
	broker   *mqtttest.Broker
	link     *mqtttest.Link // between huegate and the broker, to cut
	bridge   *bridgeLog
	huegate  *process
	status   *mqtttest.Recorder // huegate/status, subscribed before huegate started
	metrics  string             // the /metrics URL huegate logged
}

// startRun writes a config file with mappings (YAML list items, indented
// by two spaces), lets before publish to the broker first, starts `huegate
// run --config FILE` and waits until it is online and has polled the
// bridge twice.
func startRun(t *testing.T, mappings string, before func(*mqtttest.Broker)) *runWorld {
	t.Helper()
	needTools(t)
	w := &runWorld{broker: mqtttest.StartMosquitto(t)}
	emu := startEmulator(t)
	w.emulator = emu
	var proxy string
	w.bridge, proxy = startProxy(t, emu)
	w.link = mqtttest.NewLink(t, w.broker.Addr())
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	// Keys as config.example.yaml names them. huegate reaches the broker
	// through a link the test can cut. One worker sends the
	// commands one after the other, in the order their messages came, so a
	// command that should not exist would reach the bridge before the next
	// one that should.
	content := fmt.Sprintf(`bridge:
  host: %q
  username: %q
  ca_file: %q
  workers: 1
  group_rate: 5
  poll_interval: 250ms
mqtt:
  broker: %q
  client_id: huegate-acceptance
http:
  listen: 127.0.0.1:0
homeassistant:
  enabled: true
mappings:
%s`, proxy, emu.Key, emu.CAFile, w.link.URL, mappings)
	if err := os.WriteFile(cfg, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if before != nil {
		before(w.broker)
	}
	w.status = mqtttest.Subscribe(t, w.broker.URL, "huegate/status")
	w.huegate = huegate(t, "run", "--config", cfg, "--log-format", "json")
	w.status.WaitFor(t, wait, payloadIs("huegate/status", "online"))
	served := w.huegate.stderr.waitLog(t, "serving metrics and health", 1, func(l logLine) bool {
		return l.str("message") == "serving metrics and health"
	})
	w.metrics = served[0].str("metrics")
	w.bridge.waitPolledTwice(t)
	return w
}

// pub publishes an unretained message to huegate's broker.
func (w *runWorld) pub(t *testing.T, topic, payload string) {
	t.Helper()
	pub(t, w.broker.Addr(), topic, payload, false)
}

// rejected is how many messages on topic huegate refused, from /metrics.
func (w *runWorld) rejected(t *testing.T, topic string) float64 {
	t.Helper()
	return metric(t, w.metrics, "huegate_messages_rejected_total", map[string]string{"topic": topic})
}

// nothingSent publishes each payload to topic, then a command that must go
// through (sentinel on sentinelTopic, reaching sentinelResource as
// sentinelBody), and checks that every payload was refused and that no
// request reached any of resources; with warned, also that a warning names
// the topic and the reason (only a few per 10 s are logged). huegate takes
// messages in order and its one worker sends in that order, so a command
// made from a refused payload would reach the bridge before the sentinel's.
func (w *runWorld) nothingSent(t *testing.T, topic string, payloads []string, resources []string,
	sentinelTopic, sentinel, sentinelResource, sentinelBody string, warned bool) {
	t.Helper()
	before := w.rejected(t, topic)
	from := w.bridge.mark()
	for _, p := range payloads {
		w.pub(t, topic, p)
	}
	w.pub(t, sentinelTopic, sentinel)
	w.bridge.waitPut(t, from, sentinelResource, sentinelBody)
	for _, res := range resources {
		if got := w.bridge.putsTo(from, res); len(got) > 0 {
			t.Errorf("refused payloads on %s reached the bridge: %v", topic, got)
		}
	}
	want := before + float64(len(payloads))
	if got := waitMetric(t, w.metrics, "huegate_messages_rejected_total", map[string]string{"topic": topic}, want); got != want {
		t.Errorf("huegate_messages_rejected_total{topic=%q} = %v, want %v", topic, got, want)
	}
	if !warned {
		return
	}
	// One warning naming the topic and the reason (more are rate-limited).
	w.huegate.stderr.waitLog(t, "payload rejected on "+topic, 1, func(l logLine) bool {
		return l.str("level") == "warn" && strings.HasPrefix(l.str("message"), "payload rejected") && l.str("topic") == topic && l.str("reason") != ""
	})
}

// replayOnReconnect cuts huegate off the broker, publishes payload
// retained at QoS 0 to topic meanwhile (not queued in huegate's session, so
// it reaches huegate only as the broker's replay of the retained value),
// lets huegate reconnect and waits until the broker has replayed the
// message to it (its received count grows).
func (w *runWorld) replayOnReconnect(t *testing.T, topic, payload string) {
	t.Helper()
	labels := map[string]string{"topic": topic}
	received := metric(t, w.metrics, "huegate_messages_received_total", labels)
	t0 := time.Now()
	w.link.Cut()
	// The broker notices that huegate is gone: its last will.
	w.status.WaitFor(t, wait, after(t0, payloadIs("huegate/status", "offline")))
	host, port, _ := net.SplitHostPort(w.broker.Addr())
	mosquittoPub(t, []string{"-h", host, "-p", port, "-q", "0", "-r", "-t", topic, "-s"}, payload)
	t1 := time.Now()
	w.link.Resume()
	w.status.WaitFor(t, wait, after(t1, payloadIs("huegate/status", "online")))
	waitMetric(t, w.metrics, "huegate_messages_received_total", labels, received+1)
}

// publishWhileAway cuts huegate off the broker, publishes payload at QoS 1
// (not retained) to topic meanwhile, and lets huegate reconnect: the broker
// kept huegate's session and delivers the value when it is back.
func (w *runWorld) publishWhileAway(t *testing.T, topic, payload string) {
	t.Helper()
	t0 := time.Now()
	w.link.Cut()
	w.status.WaitFor(t, wait, after(t0, payloadIs("huegate/status", "offline")))
	pub(t, w.broker.Addr(), topic, payload, false)
	t1 := time.Now()
	w.link.Resume()
	w.status.WaitFor(t, wait, after(t1, payloadIs("huegate/status", "online")))
}

// stop sends SIGTERM and checks the README's promise: exit code 0, and
// huegate/status offline (retained, so a client that comes later sees it).
func (w *runWorld) stop(t *testing.T) {
	t.Helper()
	t0 := time.Now()
	w.huegate.signal(t, syscall.SIGTERM)
	if code := w.huegate.exitCode(t, wait); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	w.status.WaitFor(t, wait, after(t0, payloadIs("huegate/status", "offline")))
	later := mqtttest.Subscribe(t, w.broker.URL, "huegate/status")
	if m := later.WaitFor(t, wait, func(mqtttest.Message) bool { return true }); string(m.Payload) != "offline" || !m.Retained {
		t.Errorf("huegate/status for a client subscribing after the stop: %s, want offline, retained", m)
	}
}
