package gateway_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

func TestRetainedValuesAreNotReplayedAtStart(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	mqtttest.Publish(t, broker.URL, "lights", []byte("10"), true)
	bridge := huetest.NewServer(t, fixture)
	startOn(t, broker, bridge, []mapping.Mapping{deskMapping()})
	// A live value proves the subscription is up; the retained 10 must not land before or after it.
	mqtttest.Publish(t, broker.URL, "lights", []byte("99"), false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bridge.Bridge.WaitLight(ctx, "3", func(l emulator.LightState) bool { return l.Bri == 99 }); err != nil {
		t.Fatal(err)
	}
	for _, c := range bridge.Bridge.Commands() {
		if strings.Contains(string(c.Body), `"bri":10,`) {
			t.Fatalf("the retained value was applied: %s %s", c.Path, c.Body)
		}
	}
}

func TestAnUnknownLightNameStopsStartAndListsTheBridgesNames(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	bridge := huetest.NewServer(t, fixture)
	hc := hueClient(t, bridge)
	client := mqttClient(t, broker)
	gw, err := gateway.New(gateway.Options{Broker: client, Bridges: map[string]gateway.Bridge{"default": hc}, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	err = gw.Start(context.Background(), []mapping.Mapping{{Topic: "x", Lights: []mapping.Ref{{Name: "Porch"}}, Range: mapping.DefaultRange}})
	if err == nil {
		t.Fatal("started with an unknown light")
	}
	for _, want := range []string{`light "Porch" not found`, `"Desk lamp"`, `"Spot #1"`, "mappings[0]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := len(bridge.Bridge.Commands()); n != 0 {
		t.Fatalf("%d commands sent after a failed start", n)
	}
	_ = gw.Shutdown(context.Background())
}

func TestTheNewestValueLandsAfterABridgeOutage(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stackOptions{lightRate: 10})
	s.bridge.Stop() // connection refused
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	for i := 1; i <= 50; i++ {
		pub.Publish("lights", []byte("1"+strings.Repeat("0", i%2)), 1, false)
	}
	pub.Publish("lights", []byte("42"), 1, false)
	testkit.Eventually(t, 10*time.Second, "failed attempts while the bridge is down", func() bool {
		_, _, _, failed, _ := s.events.snapshot()
		return failed >= 2
	})
	if err := s.bridge.Restart(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"3", "5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.On && l.Bri == 42 })
	}
	// Nothing stale after the newest value: each light's last command is 42.
	last := map[string]string{}
	for _, c := range s.bridge.Bridge.Commands() {
		last[c.Path] = string(c.Body)
	}
	for path, body := range last {
		if !strings.Contains(body, `"bri":42`) {
			t.Errorf("last command to %s was %s", path, body)
		}
	}
}

func TestGarbageAnswersAreRetriedUntilTheBridgeBehaves(t *testing.T) {
	faults := []emulator.Fault{emulator.FaultHTTP429, emulator.FaultHTTP503, emulator.FaultBadJSON, emulator.FaultEmptyBody,
		emulator.FaultErrorNoAddress, emulator.FaultErrorNoDescription, emulator.FaultErrorStringType, emulator.FaultError901,
		emulator.FaultPartial, emulator.FaultHugeBody, emulator.FaultReset}
	s := newStack(t, []mapping.Mapping{deskMapping()}, stackOptions{})
	for i, f := range faults {
		t.Run(f.String(), func(t *testing.T) {
			s.bridge.Bridge.SetFault(f)
			_, _, _, before, _ := s.events.snapshot()
			want := 20 + i
			mqttPublish(t, s, "lights", itoa(want))
			testkit.Eventually(t, 10*time.Second, "a failed attempt", func() bool {
				_, _, _, failed, _ := s.events.snapshot()
				return failed > before
			})
			s.bridge.Bridge.SetFault(emulator.FaultNone)
			s.waitLight(t, "3", func(l emulator.LightState) bool { return l.Bri == want })
		})
	}
}

func TestATimedOutCommandIsResentWithTheNewestValue(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stackOptions{})
	s.bridge.Bridge.SetFault(emulator.FaultHang)
	mqttPublish(t, s, "lights", "30")
	testkit.Eventually(t, 10*time.Second, "a timeout", func() bool {
		_, _, _, failed, _ := s.events.snapshot()
		return failed >= 1
	})
	mqttPublish(t, s, "lights", "31")
	s.bridge.Bridge.SetFault(emulator.FaultNone)
	for _, id := range []string{"3", "5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.Bri == 31 })
	}
}

func TestTheHandlerNeverWaitsForTheBridge(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stackOptions{})
	s.bridge.Bridge.SetFault(emulator.FaultHang)
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	for i := range 2000 {
		pub.Publish("lights", []byte(itoa(i%254+1)), 1, false)
	}
	// Every message is taken off the broker while the bridge answers nothing.
	testkit.Eventually(t, 10*time.Second, "2000 messages handled with a hung bridge", func() bool {
		received, _, _, _, _ := s.events.snapshot()
		return received == 2000
	})
	s.bridge.Bridge.SetFault(emulator.FaultNone)
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.Bri == 1999%254+1 })
}

func TestShutdownSendsPendingValues(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stackOptions{lightRate: 2})
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	pub.Publish("lights", []byte("7"), 1, false)
	pub.Publish("lights", []byte("8"), 1, false)
	testkit.Eventually(t, 10*time.Second, "both messages", func() bool {
		received, _, _, _, _ := s.events.snapshot()
		return received == 2
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.gateway.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"3", "5", "2"} {
		if l, _ := s.bridge.Bridge.Light(id); l.Bri != 8 {
			t.Errorf("light %s at %d after shutdown, want 8", id, l.Bri)
		}
	}
}

func TestDebounceWaitsForQuietButNotForever(t *testing.T) {
	m := deskMapping()
	m.Lights = m.Lights[:1]
	m.Debounce = 200 * time.Millisecond
	s := newStack(t, []mapping.Mapping{m}, stackOptions{})
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	start := time.Now()
	for i := range 40 { // 40 values 25 ms apart: never quiet for 200 ms
		pub.Publish("lights", []byte(itoa(i+1)), 1, false)
		time.Sleep(25 * time.Millisecond) // the publisher's pace, not synchronisation
	}
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.Bri == 40 })
	cmds := s.bridge.Bridge.Commands()
	if len(cmds) < 1 || len(cmds) > 4 {
		t.Fatalf("%d commands over %v with a 200 ms debounce capped at 800 ms", len(cmds), time.Since(start))
	}
	if first := cmds[0].Time.Sub(start); first > time.Second+200*time.Millisecond {
		t.Fatalf("first command after %v; the 4x cap is 800 ms", first)
	}
}

func TestSetMappingsSwapsTopicsAndKeepsTheConnection(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stackOptions{})
	knob := mapping.Mapping{Topic: "lamp/knob", Lights: []mapping.Ref{{ID: "7"}}, Range: mapping.Range{Min: 0, Max: 1023}}
	if err := s.gateway.SetMappings(context.Background(), []mapping.Mapping{knob}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.gateway.Topics(), ","); got != "lamp/knob" {
		t.Fatalf("topics = %s", got)
	}
	mqttPublish(t, s, "lights", "11") // unsubscribed: nothing may land
	mqttPublish(t, s, "lamp/knob", "1023")
	s.waitLight(t, "7", func(l emulator.LightState) bool { return l.Bri == 254 })
	if l, _ := s.bridge.Bridge.Light("3"); l.Bri == 11 {
		t.Fatal("a removed topic still drives its lights")
	}
	bad := []mapping.Mapping{{Topic: "x", Lights: []mapping.Ref{{Name: "nope"}}, Range: mapping.DefaultRange}}
	if err := s.gateway.SetMappings(context.Background(), bad); err == nil {
		t.Fatal("a mapping with an unknown light was accepted")
	}
	mqttPublish(t, s, "lamp/knob", "0")
	s.waitLight(t, "7", func(l emulator.LightState) bool { return !l.On })
}

func startOn(t *testing.T, broker *mqtttest.Broker, bridge *emulator.Server, ms []mapping.Mapping) (*gateway.Gateway, *mqtt.Client) {
	t.Helper()
	client := mqttClient(t, broker)
	gw, err := gateway.New(gateway.Options{Broker: client, Bridges: map[string]gateway.Bridge{"default": hueClient(t, bridge)}, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := gw.Start(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if err := client.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
		client.Close(2 * time.Second)
	})
	return gw, client
}

func hueClient(t *testing.T, s *emulator.Server) *hue.Client {
	t.Helper()
	c, err := hue.New(hue.Config{Host: s.URL, Username: s.Bridge.Key(), Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdle)
	return c
}

func mqttClient(t *testing.T, b *mqtttest.Broker) *mqtt.Client {
	t.Helper()
	c, err := mqtt.New(mqtt.Options{Broker: b.URL, ClientID: "huegate-test", QoS: 1, StatusTopic: "huegate/status", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// redirecting is a bridge whose commands are answered by a redirect while
// on is set (a bridge moved to https, another device at its address).
type redirecting struct {
	*hue.Client
	on atomic.Bool
}

func (r *redirecting) SetLight(ctx context.Context, id string, st hue.State) error {
	if r.on.Load() {
		return fmt.Errorf("PUT /lights/%s/state: %w", id, hue.ErrRedirect)
	}
	return r.Client.SetLight(ctx, id, st)
}

// A redirect is the bridge not usable right now, not a wrong command: the
// newest value is kept and lands once the bridge is usable again.
func TestARedirectKeepsTheNewestValue(t *testing.T) {
	var r *redirecting
	desk := mapping.Mapping{Topic: "lights", Lights: []mapping.Ref{{ID: "3"}}, Range: mapping.DefaultRange}
	s := newStack(t, []mapping.Mapping{desk}, stackOptions{wrap: func(c *hue.Client) gateway.Bridge { r = &redirecting{Client: c}; return r }})
	r.on.Store(true)
	mqttPublish(t, s, "lights", "90")
	testkit.Eventually(t, 10*time.Second, "the redirect to be met", func() bool { _, _, sent, failed, _ := s.events.snapshot(); return sent+failed > 0 })
	mqttPublish(t, s, "lights", "95")
	testkit.Eventually(t, 10*time.Second, "95 to meet the redirect too", func() bool { _, _, sent, failed, _ := s.events.snapshot(); return sent+failed > 1 })
	r.on.Store(false)
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.On && l.Bri == 95 })
}
