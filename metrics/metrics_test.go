package metrics_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/metrics"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/embedded"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/rs/zerolog"
)

const fixture = "../testdata/bridge.json"

// stack is a gateway with metrics between the built-in broker and the
// emulator, and the metrics served over HTTP.
type stack struct {
	brokerURL string
	bridge    *emulator.Server
	client    *mqtt.Client
	gateway   *gateway.Gateway
	metrics   *metrics.Metrics
	httpURL   string
}

func newStack(t *testing.T) *stack {
	t.Helper()
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	b, err := embedded.Start(embedded.Options{Listen: "127.0.0.1:0", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	s := &stack{brokerURL: "tcp://" + b.Addr(), bridge: huetest.NewServer(t, fixture), metrics: metrics.New(metrics.Options{})}
	var hc *hue.Client
	obs := s.metrics.Bridge("default", func(ctx context.Context) error { _, err := hc.Lights(ctx); return err })
	hc, err = hue.New(hue.Config{Host: s.bridge.URL, Username: s.bridge.Bridge.Key(), Timeout: 2 * time.Second, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hc.CloseIdle)
	s.client, err = mqtt.New(mqtt.Options{Broker: b.ClientURL(), ClientID: "huegate", QoS: 1, StatusTopic: "huegate/status", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s.gateway, err = gateway.New(gateway.Options{
		Broker:  s.client,
		Bridges: map[string]gateway.Bridge{"default": hc},
		Events:  s.metrics,
		Log:     log,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.metrics.SetSources(metrics.Sources{Pending: s.gateway.Pending, Connected: s.client.Connected})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ms := []mapping.Mapping{{Topic: "lights", Lights: []mapping.Ref{{ID: "3"}}, Range: mapping.DefaultRange}}
	if err := s.gateway.Start(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := metrics.Serve("127.0.0.1:0", s.metrics.Handler())
	if err != nil {
		t.Fatal(err)
	}
	s.httpURL = "http://" + srv.Addr()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		_ = s.gateway.Shutdown(ctx)
		s.client.Close(2 * time.Second)
	})
	return s
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

func TestMetricsAndHealthAfterTraffic(t *testing.T) {
	s := newStack(t)
	pub := mqtttest.NewPublisher(t, s.brokerURL)

	// Hold the bridge so values pile up on one light: the first is in
	// flight, the second waits, the third and fourth replace it.
	s.bridge.Bridge.SetFault(emulator.FaultHang)
	for _, v := range []string{"10", "20", "30", "200", "banana"} {
		pub.Publish("lights", []byte(v), 1, false)
	}
	waitFor(t, "5 messages handled", func() bool { return received(s) == 5 })
	if d := s.gateway.Pending(); d != 1 {
		t.Fatalf("queue depth = %d while the bridge hangs, want 1 (one light)", d)
	}
	s.bridge.Bridge.SetFault(emulator.FaultNone)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.bridge.Bridge.WaitLight(ctx, "3", func(l emulator.LightState) bool { return l.On && l.Bri == 200 }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the queue to empty", func() bool { return s.gateway.Pending() == 0 })

	code, body := get(t, s.httpURL+"/metrics")
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
		`huegate_bridge_request_duration_seconds_count{bridge="default",op="lights"} 1`,
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

	code, body = get(t, s.httpURL+"/healthz")
	var h metrics.Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("/healthz is not JSON: %v\n%s", err, body)
	}
	if code != http.StatusOK || h.Status != "ok" || !h.MQTTConnected || len(h.Bridges) != 1 || !h.Bridges[0].Reachable {
		t.Fatalf("/healthz = %d %s", code, body)
	}
}

func received(s *stack) float64 {
	families, _ := s.metrics.Registry().Gather()
	for _, f := range families {
		if f.GetName() == "huegate_messages_received_total" {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

func TestHealthIs503WithReasonsWhenTheBridgeOrBrokerIsGone(t *testing.T) {
	s := newStack(t)
	s.bridge.Stop()
	mqtttest.Publish(t, s.brokerURL, "lights", []byte("100"), false)
	waitFor(t, "a failed command", func() bool {
		code, _ := get(t, s.httpURL+"/healthz")
		return code == http.StatusServiceUnavailable
	})
	_, body := get(t, s.httpURL+"/healthz")
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
	_, body = get(t, s.httpURL+"/metrics")
	if !strings.Contains(body, `huegate_bridge_reachable{bridge="default"} 0`) ||
		!strings.Contains(body, `huegate_bridge_commands_total{kind="light",result="retry"}`) {
		t.Fatalf("/metrics does not show the bridge down:\n%s", body)
	}

	if err := s.bridge.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the bridge back", func() bool { return s.metrics.Health().Status == "ok" })

	s.client.Close(time.Second)
	h = s.metrics.Health()
	if h.Status != "unhealthy" || h.MQTTConnected || len(h.Reasons) != 1 || h.Reasons[0] != "not connected to the MQTT broker" {
		t.Fatalf("health with the client closed = %+v", h)
	}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

// fakeBridge is a hue.Client stand-in: a read that ends with err, told to
// the bridge's observer as the client would.
type fakeBridge struct {
	mu  sync.Mutex
	obs hue.Observer
	err error
	n   int
}

func (f *fakeBridge) register(m *metrics.Metrics, name string) *fakeBridge {
	f.obs = m.Bridge(name, f.read)
	return f
}

func (f *fakeBridge) read(context.Context) error {
	f.mu.Lock()
	f.n++
	err := f.err
	f.mu.Unlock()
	f.obs.Request(hue.OpLights, time.Millisecond, err)
	return err
}

func (f *fakeBridge) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func TestABridgeSilentForLongerThanTheWindowIsUnhealthy(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	m := metrics.New(metrics.Options{Window: 30 * time.Second, Now: clk.Now})
	m.SetSources(metrics.Sources{Connected: func() bool { return true }})
	b := (&fakeBridge{}).register(m, "attic")
	if h := m.Health(); h.Status != "unhealthy" || h.Reasons[0] != "bridge attic has not answered yet" {
		t.Fatalf("before any answer: %+v", h)
	}
	if err := b.read(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h := m.Health(); h.Status != "ok" {
		t.Fatalf("after an answer: %+v", h)
	}
	clk.Add(31 * time.Second)
	if h := m.Health(); h.Status != "unhealthy" || h.Reasons[0] != "bridge attic has not answered for 31s" {
		t.Fatalf("after 31 s of silence: %+v", h)
	}
}

func TestARefusalIsStillAnAnswer(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.SetSources(metrics.Sources{Connected: func() bool { return true }})
	f := (&fakeBridge{err: &hue.StatusError{Code: 429}}).register(m, "default")
	_ = f.read(context.Background())
	if h := m.Health(); h.Status != "ok" {
		t.Fatalf("a 429 made the bridge unhealthy: %+v", h)
	}
	f.err = errors.New("dial tcp 127.0.0.1:80: connect: connection refused")
	_ = f.read(context.Background())
	if h := m.Health(); h.Status != "unhealthy" || !strings.Contains(h.Reasons[0], "connection refused") {
		t.Fatalf("a refused connection: %+v", h)
	}
	f.err = context.Canceled // huegate gave up: says nothing about the bridge
	_ = f.read(context.Background())
	if h := m.Health(); !strings.Contains(h.Reasons[0], "connection refused") {
		t.Fatalf("a cancelled request changed health: %+v", h)
	}
}

func TestProbeAsksOnlyIdleBridges(t *testing.T) {
	m := metrics.New(metrics.Options{})
	f := (&fakeBridge{}).register(m, "default")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Probe(ctx, 10*time.Millisecond)
	}()
	waitFor(t, "two probes", func() bool { return f.calls() >= 2 })
	cancel()
	<-done
	if h := m.Health(); !h.Bridges[0].Reachable {
		t.Fatalf("probed bridge not reachable: %+v", h)
	}
}

func TestEveryNameStartsWithHuegateAndPassesLint(t *testing.T) {
	m := metrics.New(metrics.Options{})
	(&fakeBridge{}).register(m, "default")
	m.Received("lights")
	m.Rejected("lights", "not_a_number")
	m.Coalesced("lights")
	m.Sent("light", "3", hue.State{}, time.Now(), nil)
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(families) < 9 {
		t.Fatalf("%d metric families, want at least 9", len(families))
	}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "huegate_") {
			t.Errorf("metric %s does not start with huegate_", f.GetName())
		}
	}
	problems, err := promlint.NewWithMetricFamilies(families).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestTheEventStreamCountsAsAnAnswer(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.SetSources(metrics.Sources{Connected: func() bool { return true }})
	obs := m.Bridge("default", func(context.Context) error { return nil })
	if m.Health().Bridges[0].Reachable {
		t.Fatal("reachable before anything was heard")
	}
	obs.Heard() // what hue.Client.Stream says when the stream opens
	if !m.Health().Bridges[0].Reachable {
		t.Fatal("an open event stream did not count as an answer")
	}
}

func TestInventedTopicsCannotGrowTheMetricsWithoutBound(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.Received("lights")
	for i := range 10000 {
		topic := "huegate/lights/junk" + strconv.Itoa(i) + "/set"
		m.Received(topic)
		m.Rejected(topic, "unknown_light")
	}
	m.Received("lights")
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "huegate_messages_received_total" {
			continue
		}
		if n := len(f.GetMetric()); n > 257 {
			t.Fatalf("%d received series for 10001 topics", n)
		}
		for _, s := range f.GetMetric() {
			label := s.GetLabel()[0].GetValue()
			if label == "lights" && s.GetCounter().GetValue() != 2 {
				t.Errorf("the first topic lost its own series: %v", s)
			}
			if label == metrics.OtherTopic && s.GetCounter().GetValue() != 10000-255 {
				t.Errorf("_other = %v, want %d", s.GetCounter().GetValue(), 10000-255)
			}
		}
	}
}
