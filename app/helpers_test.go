package app_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

const fixture = "../testdata/bridge.json"

// stack is huegate built as `huegate run` builds it (app.New from a
// config), between a real Mosquitto and the bridge emulator.
type stack struct {
	broker  *mqtttest.Broker
	bridge  *emulator.Server
	app     *app.App
	httpURL string          // where /metrics and /healthz are served
	logs    *testkit.Buffer // huegate's log, JSON lines
}

// startHuegate starts huegate on a broker the test has prepared, for the
// emulator serving the fixture, and stops it when the test ends. poll is
// bridge.poll_interval; more is further top-level YAML (mappings,
// homeassistant).
func startHuegate(t *testing.T, broker *mqtttest.Broker, poll time.Duration, more string) *stack {
	t.Helper()
	return startHuegateHTTP(t, broker, poll, "", more)
}

// startHuegateHTTP is startHuegate with more keys for the http section
// (indented by two spaces), such as auth_token.
func startHuegateHTTP(t *testing.T, broker *mqtttest.Broker, poll time.Duration, httpKeys, more string) *stack {
	t.Helper()
	return startHuegateAs(t, broker, "huegate-test", poll, httpKeys, more)
}

// startHuegateAs is startHuegateHTTP with the MQTT client id to use.
func startHuegateAs(t *testing.T, broker *mqtttest.Broker, clientID string, poll time.Duration, httpKeys, more string) *stack {
	t.Helper()
	return startHuegateOn(t, broker, huetest.NewServer(t, fixture), clientID, poll, httpKeys, more)
}

// startHuegateOn is startHuegateAs against a bridge the caller started.
func startHuegateOn(t *testing.T, broker *mqtttest.Broker, bridge *emulator.Server, clientID string, poll time.Duration, httpKeys, more string) *stack {
	t.Helper()
	hideEnvironment(t)
	s := &stack{broker: broker, bridge: bridge}
	yaml := fmt.Sprintf(`bridge:
  host: %s
  username: %q
  timeout: 2s
  poll_interval: %s
mqtt:
  broker: %s
  client_id: %s
http:
  listen: 127.0.0.1:0
%s%s`, s.bridge.URL, s.bridge.Bridge.Key(), poll, broker.URL, clientID, httpKeys, more)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	s.logs = &testkit.Buffer{}
	log := zerolog.New(zerolog.MultiLevelWriter(zerolog.NewTestWriter(t), s.logs)).Level(zerolog.InfoLevel)
	s.app, err = app.New(cfg, app.Options{Log: log, Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.app.Stop(5 * time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.app.Start(ctx); err != nil {
		t.Fatal(err)
	}
	s.httpURL = "http://" + s.app.HTTPAddr()
	return s
}

// hideEnvironment hides the caller's HUEGATE_* variables, which would
// override the test's config.
func hideEnvironment(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "HUEGATE_") {
			t.Setenv(k, "") // viper ignores empty variables
		}
	}
}

// metric is the value of one series on /metrics, such as
// `huegate_messages_received_total{topic="lights"}`; false when it is not
// there.
func (s *stack) metric(t *testing.T, series string) (float64, bool) {
	t.Helper()
	_, body := testkit.Get(t, s.httpURL+"/metrics")
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("/metrics: %s: %v", series, err)
			}
			return f, true
		}
	}
	return 0, false
}
