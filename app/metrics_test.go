package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/metrics"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// Metrics and health, as `huegate run` serves them on http.listen.

// lightsMapping maps topic "lights" to the desk lamp (light 3).
const lightsMapping = `mappings:
  - topic: lights
    lights: [3]
`

// newMetricsStack is huegate mapping "lights" to light 3, polling the
// bridge's state once an hour, with its start-up reads over: the names
// checked and the state mirror's first poll (lights, groups, then scenes)
// answered and counted.
func newMetricsStack(t *testing.T) *stack {
	t.Helper()
	s := startHuegate(t, mqtttest.StartMosquitto(t), time.Hour, lightsMapping)
	testkit.Eventually(t, 10*time.Second, "the state mirror's first poll", func() bool {
		n, _ := s.metric(t, `huegate_bridge_request_duration_seconds_count{bridge="default",op="scenes"}`)
		return n == 1
	})
	return s
}

func TestMetricsAndHealthAfterTraffic(t *testing.T) {
	s := newMetricsStack(t)
	pub := mqtttest.NewPublisher(t, s.broker.URL)

	// Hold the bridge so values pile up on one light: the first is in
	// flight, the second waits, the third and fourth replace it.
	s.bridge.Bridge.SetFault(emulator.FaultHang)
	pub.Publish("lights", []byte("10"), 1, false)
	testkit.Eventually(t, 10*time.Second, "the first value in flight", func() bool { return len(s.bridge.Bridge.Commands()) == 1 })
	for _, v := range []string{"20", "30", "200", "banana"} {
		pub.Publish("lights", []byte(v), 1, false)
	}
	testkit.Eventually(t, 10*time.Second, "5 messages handled", func() bool { return received(t, s) == 5 })
	if d := s.app.Pending(); d != 1 {
		t.Fatalf("queue depth = %d while the bridge hangs, want 1 (one light)", d)
	}
	s.bridge.Bridge.SetFault(emulator.FaultNone)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.bridge.Bridge.WaitLight(ctx, "3", func(l emulator.LightState) bool { return l.On && l.Bri == 200 }); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "the queue to empty", func() bool { return s.app.Pending() == 0 })

	code, body := testkit.Get(t, s.httpURL+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`huegate_messages_received_total{topic="lights"} 5`,
		`huegate_messages_rejected_total{reason="not_a_number",topic="lights"} 1`,
		`huegate_messages_coalesced_total{topic="lights"} 2`,
		`huegate_bridge_commands_total{kind="light",result="ok"} 2`,
		`huegate_bridge_commands_total{kind="group",result="ok"} 0`,
		`huegate_bridge_request_duration_seconds_count{bridge="default",op="set_light"} 2`,
		// Every read of the lights the bridge received, counted once: huegate
		// reads them at start-up to check the names, to resolve the
		// mappings and in the state mirror's first poll.
		fmt.Sprintf(`huegate_bridge_request_duration_seconds_count{bridge="default",op="lights"} %d`, lightReads(s.bridge.Bridge)),
		`huegate_last_value_latency_seconds_count 2`,
		`huegate_command_queue_depth 0`,
		`huegate_mqtt_connected 1`,
		`huegate_bridge_reachable{bridge="default"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, s.bridge.Bridge.Key()) {
		t.Error("/metrics shows the bridge key")
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}

	code, body = testkit.Get(t, s.httpURL+"/healthz")
	var h metrics.Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("/healthz is not JSON: %v\n%s", err, body)
	}
	if code != http.StatusOK || h.Status != "ok" || !h.MQTTConnected || len(h.Bridges) != 1 || !h.Bridges[0].Reachable {
		t.Fatalf("/healthz = %d %s", code, body)
	}
}

func received(t *testing.T, s *stack) float64 {
	t.Helper()
	n, _ := s.metric(t, `huegate_messages_received_total{topic="lights"}`)
	return n
}

// lightReads is how many times the bridge was asked for its lights.
func lightReads(b *emulator.Bridge) int {
	n := 0
	for _, r := range b.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/lights") {
			n++
		}
	}
	return n
}

func TestHealthIs503WithReasonsWhenTheBridgeOrBrokerIsGone(t *testing.T) {
	s := newMetricsStack(t)
	s.bridge.Stop()
	mqtttest.Publish(t, s.broker.URL, "lights", []byte("100"), false)
	testkit.Eventually(t, 10*time.Second, "a failed command", func() bool {
		code, _ := testkit.Get(t, s.httpURL+"/healthz")
		return code == http.StatusServiceUnavailable
	})
	_, body := testkit.Get(t, s.httpURL+"/healthz")
	var h metrics.Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != "unhealthy" || len(h.Reasons) != 1 || !strings.HasPrefix(h.Reasons[0], "bridge default: ") {
		t.Fatalf("/healthz = %s", body)
	}
	if strings.Contains(body, s.bridge.Bridge.Key()) {
		t.Fatalf("/healthz shows the bridge key: %s", body)
	}
	_, body = testkit.Get(t, s.httpURL+"/metrics")
	if !strings.Contains(body, `huegate_bridge_reachable{bridge="default"} 0`) ||
		!strings.Contains(body, `huegate_bridge_commands_total{kind="light",result="retry"}`) {
		t.Fatalf("/metrics does not show the bridge down:\n%s", body)
	}

	if err := s.bridge.Restart(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "the bridge back", func() bool { return s.app.Health().Status == "ok" })

	// The broker goes away without a goodbye.
	s.broker.Kill()
	testkit.Eventually(t, 10*time.Second, "huegate to see the broker gone", func() bool { return !s.app.Connected() })
	h = s.app.Health()
	if h.Status != "unhealthy" || h.MQTTConnected || len(h.Reasons) != 1 || h.Reasons[0] != "not connected to the MQTT broker" {
		t.Fatalf("health with the broker gone = %+v", h)
	}
}

// 300 invented set topics first: the mapped topic still counts under its
// own name, not _other.
func TestAMappedTopicKeepsItsMetricsSeries(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), time.Hour, "mappings:\n  - {topic: lights, lights: [\"Desk lamp\"]}\n")
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	for i := range 300 {
		pub.Publish("huegate/lights/junk"+strconv.Itoa(i)+"/set", []byte("ON"), 1, false)
	}
	testkit.Eventually(t, 10*time.Second, "the junk counted", func() bool {
		n, _ := s.metric(t, `huegate_messages_received_total{topic="_other"}`)
		return n >= 300-256
	})
	pub.Publish("lights", []byte("100"), 1, false)
	testkit.Eventually(t, 10*time.Second, "the mapped topic counted under its name", func() bool { return received(t, s) == 1 })
}

// /metrics also shows the process itself, with the names every Prometheus
// setup already has dashboards and alerts for: goroutines, open files
// (Linux), memory.
func TestMetricsWatchTheProcess(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), time.Hour, lightsMapping)
	series := []string{"go_goroutines", "process_resident_memory_bytes"}
	if runtime.GOOS == "linux" {
		series = append(series, "process_open_fds")
	}
	for _, name := range series {
		v, ok := s.metric(t, name)
		if !ok || v <= 0 {
			t.Errorf("/metrics: %s = %v (present %v), want a positive value", name, v, ok)
		}
	}
	_, body := testkit.Get(t, s.httpURL+"/metrics")
	if !strings.Contains(body, "huegate_bridge_commands_total") {
		t.Errorf("huegate's own metrics are gone:\n%.500s", body)
	}
}
