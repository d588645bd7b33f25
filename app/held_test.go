package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// A set-topic command that arrives before huegate has read the bridge's
// lights (right after start, or while the bridge is slow or down) waits
// for that read and then lands; it is not refused as an unknown light.
func TestACommandBeforeTheFirstReadLands(t *testing.T) {
	bridge := huetest.NewServer(t, fixture, emulator.WithLatency(700*time.Millisecond))
	s := startHuegateOn(t, mqtttest.StartMosquitto(t), bridge, "huegate-test", time.Hour, "", "mappings:\n  - {topic: lights, lights: [3]}\n")
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	pub.Publish("huegate/lights/coffee-machine/set", []byte(`{"state":"ON"}`), 1, false)
	pub.Publish("huegate/groups/living-room/set", []byte(`{"scene":"Relax"}`), 1, false)
	bridge.Bridge.SetLatency(0)
	testkit.Eventually(t, 10*time.Second, "the plug on", func() bool { l, _ := bridge.Bridge.Light("20"); return l.On })
	testkit.Eventually(t, 10*time.Second, "the scene recalled", func() bool {
		for _, c := range bridge.Bridge.Commands() {
			if strings.HasPrefix(c.Path, "/api/"+bridge.Bridge.Key()+"/groups/1/action") && strings.Contains(string(c.Body), "R3laxLivingRm01") {
				return true
			}
		}
		return false
	})
	if n := s.logs.Count("payload rejected"); n != 0 {
		t.Fatalf("%d commands refused:\n%s", n, s.logs.String())
	}
}
