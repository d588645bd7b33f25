package gateway_test

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// The state poller meets every kind of garbage a bridge can answer with:
// it says the bridge is offline, keeps no goroutine behind, and once the
// bridge behaves the change made meanwhile is published.
func TestStatePollingSurvivesGarbageAnswers(t *testing.T) {
	faults := []emulator.Fault{emulator.FaultHTTP429, emulator.FaultHTTP503, emulator.FaultBadJSON, emulator.FaultEmptyBody,
		emulator.FaultErrorNoAddress, emulator.FaultErrorNoDescription, emulator.FaultErrorStringType, emulator.FaultError901,
		emulator.FaultPartial, emulator.FaultHugeBody, emulator.FaultReset, emulator.FaultHang}
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(50*time.Millisecond))
	status := mqtttest.Subscribe(t, s.broker.URL, "huegate/bridge/status")
	hall := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/hallup/state")
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" })
	baseline := runtime.NumGoroutine()
	for i, f := range faults {
		t.Run(f.String(), func(t *testing.T) {
			s.bridge.Bridge.SetFault(f)
			faulted := time.Now()
			status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
				return string(m.Payload) == "offline" && m.Time.After(faulted)
			})
			bri := 10 + i
			if err := s.bridge.Bridge.SetLightState("12", map[string]any{"bri": bri}); err != nil {
				t.Fatal(err)
			}
			healed := time.Now()
			s.bridge.Bridge.SetFault(emulator.FaultNone)
			status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
				return string(m.Payload) == "online" && m.Time.After(healed)
			})
			hall.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
				return bytes.Contains(m.Payload, []byte(`"bri":`+itoa(bri)+`,`))
			})
		})
	}
	// Goroutines come and go with connections; a leak would grow with
	// every fault. Allow the usual churn, not a dozen strays.
	testkit.Eventually(t, 10*time.Second, "goroutines back to where they were", func() bool { return runtime.NumGoroutine() <= baseline+4 })
	mqttPublish(t, s, "lights", "99")
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.Bri == 99 })
}
