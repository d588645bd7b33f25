package acceptance

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// README "Topics and payloads": what a value on a mapped shared topic
// becomes at the bridge.
func TestRunSharedTopics(t *testing.T) {
	t.Parallel()
	// lights drives Desk lamp (3) and Spot #1 (5) over [0, 254], dimmer
	// Küche Decke (1) alone; lamp/knob drives Hall/Up (12) over a 10-bit
	// ADC's [0, 1023]; sentinel drives LED+Strip (7), to prove huegate has
	// got so far.
	w := startRun(t, `  - topic: lights
    lights: ["Desk lamp", 5]
    range: [0, 254]
  - topic: dimmer
    lights: ["Küche Decke"]
  - topic: lamp/knob
    lights: ["Hall/Up"]
    range: [0, 1023]
  - topic: sentinel
    lights: ["LED+Strip"]
`, func(b *mqtttest.Broker) {
		// The topic's old value, replayed when huegate subscribes.
		pub(t, b.Addr(), "lights", "77", true)
	})
	sentinel := 0
	// next sends a new value on the sentinel topic and waits for it at the
	// bridge.
	next := func(t *testing.T, from int) {
		t.Helper()
		sentinel++
		v := strconv.Itoa(10 + sentinel)
		w.pub(t, "sentinel", v)
		w.bridge.waitPut(t, from, "/lights/7/state", `{"on":true,"bri":`+v+`,"transitiontime":1}`)
	}

	t.Run("a retained value from before the start is not applied", func(t *testing.T) {
		// The broker did replay it to huegate.
		waitMetric(t, w.metrics, "huegate_messages_received_total", map[string]string{"topic": "lights"}, 1)
		next(t, 0)
		for _, res := range []string{"/lights/3/state", "/lights/5/state"} {
			if got := w.bridge.putsTo(0, res); len(got) > 0 {
				t.Errorf("the retained value replayed at subscribe time reached the bridge: %v", got)
			}
		}
	})

	t.Run("a value reaches every mapped light with on and the bri of the formula", func(t *testing.T) {
		from := w.bridge.mark()
		w.pub(t, "lights", "127")
		// transition 100ms by default: one of the bridge's 100 ms steps.
		w.bridge.waitPut(t, from, "/lights/3/state", `{"on":true,"bri":127,"transitiontime":1}`)
		w.bridge.waitPut(t, from, "/lights/5/state", `{"on":true,"bri":127,"transitiontime":1}`)
	})

	// bri = clamp(round((v - min) / (max - min) * 254), 1, 254); at or
	// below min is off.
	for _, c := range []struct {
		name, topic, payload, light, body string
	}{
		{"fractions round: 127.5", "dimmer", "127.5", "1", `{"on":true,"bri":128,"transitiontime":1}`},
		{"[0,254] is the identity: 200", "dimmer", "200", "1", `{"on":true,"bri":200,"transitiontime":1}`},
		{"spaces and a newline around a number", "dimmer", " 127\n", "1", `{"on":true,"bri":127,"transitiontime":1}`},
		{"an exponent: 2e2", "dimmer", "2e2", "1", `{"on":true,"bri":200,"transitiontime":1}`},
		{"[0,1023]: 512 is 127", "lamp/knob", "512", "12", `{"on":true,"bri":127,"transitiontime":1}`},
		{"[0,1023]: the maximum is 254", "lamp/knob", "1023", "12", `{"on":true,"bri":254,"transitiontime":1}`},
		{"[0,1023]: just above the minimum clamps to 1", "lamp/knob", "1", "12", `{"on":true,"bri":1,"transitiontime":1}`},
		{"[0,1023]: above the maximum clamps to 254", "lamp/knob", "5000", "12", `{"on":true,"bri":254,"transitiontime":1}`},
		{"[0,1023]: the minimum switches off", "lamp/knob", "0", "12", `{"on":false,"transitiontime":1}`},
		{"[0,1023]: 256 is 64", "lamp/knob", "256", "12", `{"on":true,"bri":64,"transitiontime":1}`},
		{"[0,1023]: below the minimum switches off", "lamp/knob", "-40", "12", `{"on":false,"transitiontime":1}`},
		{"a percentage of the range: 50%", "lamp/knob", "50%", "12", `{"on":true,"bri":127,"transitiontime":1}`},
		{"a percentage of the range: 10%", "lamp/knob", "10%", "12", `{"on":true,"bri":25,"transitiontime":1}`},
		{"OFF switches off", "dimmer", "OFF", "1", `{"on":false,"transitiontime":1}`},
		{"ON switches on and keeps the brightness", "dimmer", "ON", "1", `{"on":true,"transitiontime":1}`},
		{"off", "dimmer", "off", "1", `{"on":false,"transitiontime":1}`},
		{"on", "dimmer", "on", "1", `{"on":true,"transitiontime":1}`},
		{"false", "dimmer", "false", "1", `{"on":false,"transitiontime":1}`},
		{"true", "dimmer", "true", "1", `{"on":true,"transitiontime":1}`},
		{"zigbee2mqtt JSON", "dimmer", `{"state":"ON","brightness":100}`, "1", `{"on":true,"bri":100,"transitiontime":1}`},
		{"zigbee2mqtt JSON OFF", "dimmer", `{"state":"OFF"}`, "1", `{"on":false,"transitiontime":1}`},
		{"zigbee2mqtt JSON brightness is in the mapping's range", "lamp/knob", `{"state":"ON","brightness":1023}`, "12", `{"on":true,"bri":254,"transitiontime":1}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			from := w.bridge.mark()
			w.pub(t, c.topic, c.payload)
			w.bridge.waitPut(t, from, "/lights/"+c.light+"/state", c.body)
		})
	}

	t.Run("junk payloads send nothing", func(t *testing.T) {
		junk := []string{
			"abc", "NaN", "Inf", "1e999", "\xff\xfe1",
			"100" + strings.Repeat(" ", 1100), // a number, but over 1 KiB
		}
		sentinel++
		v := strconv.Itoa(10 + sentinel)
		w.nothingSent(t, "lights", junk, []string{"/lights/3/state", "/lights/5/state"},
			"sentinel", v, "/lights/7/state", `{"on":true,"bri":`+v+`,"transitiontime":1}`, true)
	})

	t.Run("a retained value the broker replays on reconnect is not applied", func(t *testing.T) {
		from := w.bridge.mark()
		w.replayOnReconnect(t, "lights", "66")
		next(t, from)
		for _, res := range []string{"/lights/3/state", "/lights/5/state"} {
			if got := w.bridge.putsTo(from, res); len(got) > 0 {
				t.Errorf("the retained value replayed on reconnect reached the bridge: %v", got)
			}
		}
	})

	t.Run("a value published at QoS 1 while huegate reconnects lands", func(t *testing.T) {
		from := w.bridge.mark()
		w.publishWhileAway(t, "lights", "77")
		w.bridge.waitPut(t, from, "/lights/3/state", `{"on":true,"bri":77,"transitiontime":1}`)
		w.bridge.waitPut(t, from, "/lights/5/state", `{"on":true,"bri":77,"transitiontime":1}`)
	})

	t.Run("a retained value published while huegate runs is applied", func(t *testing.T) {
		from := w.bridge.mark()
		pub(t, w.broker.Addr(), "lights", "90", true)
		w.bridge.waitPut(t, from, "/lights/3/state", `{"on":true,"bri":90,"transitiontime":1}`)
		w.bridge.waitPut(t, from, "/lights/5/state", `{"on":true,"bri":90,"transitiontime":1}`)
	})
}

// README "Topics and payloads", Sync: the bridge's state goes to a sync
// mapping's topic, and a change made outside huegate reaches the mapping's
// other lights without a loop.
func TestRunSync(t *testing.T) {
	t.Parallel()
	// synced: Hall/Up (12, bri 100 in the fixture) is the source, Lámpara
	// sala (2) follows; a 10-bit range.
	w := startRun(t, `  - topic: synced
    lights: ["Hall/Up", "Lámpara sala"]
    range: [0, 1023]
    sync: true
  - topic: sentinel
    lights: ["LED+Strip"]
`, func(b *mqtttest.Broker) {
		// What the topic held while huegate was down.
		pub(t, b.Addr(), "synced", "5", true)
	})
	topic := mqtttest.Subscribe(t, w.broker.URL, "synced")
	sentinel := 0
	// settled sends a sentinel and waits for it, so that whatever huegate
	// did with the messages before it has reached the bridge.
	settled := func(t *testing.T, from int) {
		t.Helper()
		sentinel++
		v := strconv.Itoa(10 + sentinel)
		w.pub(t, "sentinel", v)
		w.bridge.waitPut(t, from, "/lights/7/state", `{"on":true,"bri":`+v+`,"transitiontime":1}`)
	}

	t.Run("at start-up the bridge's state is published to the topic, retained", func(t *testing.T) {
		// 100 / 254 * 1023, rounded: the range holds whole numbers.
		topic.WaitFor(t, wait, payloadIs("synced", "403"))
		later := mqtttest.Subscribe(t, w.broker.URL, "synced")
		if m := later.WaitFor(t, wait, func(mqtttest.Message) bool { return true }); string(m.Payload) != "403" || !m.Retained {
			t.Errorf("synced for a new subscriber: %s, want 403, retained", m)
		}
		settled(t, 0)
		for _, res := range []string{"/lights/12/state", "/lights/2/state"} {
			if got := w.bridge.putsTo(0, res); len(got) > 0 {
				t.Errorf("start-up sync sent commands: %v", got)
			}
		}
	})

	t.Run("a change made outside huegate reaches the topic and the other lights, and does not loop", func(t *testing.T) {
		from := w.bridge.mark()
		t0 := time.Now()
		// As the Hue app would: straight to the bridge, past huegate.
		httpPut(t, w.emulator.URL+"/api/"+w.emulator.Key+"/lights/12/state", `{"bri":200}`)
		// 200 / 254 * 1023 = 805.5, rounded.
		topic.WaitFor(t, wait, after(t0, payloadIs("synced", "806")))
		// 806 / 1023 * 254 = 200.1: the follower gets bri 200.
		w.bridge.waitPut(t, from, "/lights/2/state", `{"on":true,"bri":200,"transitiontime":1}`)
		settled(t, from)
		if got := w.bridge.putsTo(from, "/lights/12/state"); len(got) > 0 {
			t.Errorf("the light changed outside huegate got commands: %v", got)
		}
		later := mqtttest.Subscribe(t, w.broker.URL, "synced")
		if m := later.WaitFor(t, wait, func(mqtttest.Message) bool { return true }); string(m.Payload) != "806" || !m.Retained {
			t.Errorf("synced for a new subscriber: %s, want 806, retained", m)
		}
	})

	t.Run("huegate/bridge/status goes offline when the bridge stops answering", func(t *testing.T) {
		status := mqtttest.Subscribe(t, w.broker.URL, "huegate/bridge/status")
		status.WaitFor(t, wait, payloadIs("huegate/bridge/status", "online"))
		t0 := time.Now()
		if err := w.emulator.p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		status.WaitFor(t, wait, after(t0, payloadIs("huegate/bridge/status", "offline")))
	})
}
