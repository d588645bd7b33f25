package acceptance

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// README "Commands for one light or group": huegate/lights/<slug>/set and
// huegate/groups/<slug>/set, as the bridge receives them.
func TestRunSetTopics(t *testing.T) {
	t.Parallel()
	// The shared topic drives Küche Decke (1) only, as a sentinel; every
	// other light is commanded through its own set topic.
	w := startRun(t, `  - topic: sentinel
    lights: ["Küche Decke"]
`, nil)
	states := mqtttest.Subscribe(t, w.broker.URL, "huegate/+/+/state")

	sentinel := 0
	lightSentinel := func() (topic, payload, resource, body string) {
		sentinel++
		v := strconv.Itoa(10 + sentinel)
		return "sentinel", v, "/lights/1/state", `{"on":true,"bri":` + v + `,"transitiontime":1}`
	}
	groupSentinel := func() (topic, payload, resource, body string) {
		sentinel++
		v := strconv.Itoa(10 + sentinel)
		return "huegate/groups/kitchen/set", `{"brightness":` + v + `}`, "/groups/2/action", `{"on":true,"bri":` + v + `}`
	}

	// Each command waits for its own request before the next is sent, so
	// none merges into another.
	for _, c := range []struct {
		name, topic, payload, resource, body string
	}{
		{"brightness in JSON switches on", "huegate/lights/lámpara-sala/set", `{"brightness":127}`, "/lights/2/state", `{"on":true,"bri":127}`},
		{"a bare number is a brightness", "huegate/lights/lámpara-sala/set", "200", "/lights/2/state", `{"on":true,"bri":200}`},
		{"a percentage of 254", "huegate/lights/lámpara-sala/set", "50%", "/lights/2/state", `{"on":true,"bri":127}`},
		{"brightness out of range clamps", "huegate/lights/lámpara-sala/set", `{"brightness":300}`, "/lights/2/state", `{"on":true,"bri":254}`},
		{"brightness 0 is off", "huegate/lights/lámpara-sala/set", `{"brightness":0}`, "/lights/2/state", `{"on":false}`},
		{"ON keeps the brightness", "huegate/lights/lámpara-sala/set", "ON", "/lights/2/state", `{"on":true}`},
		{"off in any case", "huegate/lights/lámpara-sala/set", "off", "/lights/2/state", `{"on":false}`},
		{"JSON state", "huegate/lights/lámpara-sala/set", `{"state":"ON"}`, "/lights/2/state", `{"on":true}`},
		{"a transition in seconds, in 100 ms steps", "huegate/lights/lámpara-sala/set", `{"brightness":50,"transition":0.5}`, "/lights/2/state", `{"on":true,"bri":50,"transitiontime":5}`},
		{"transition 0 is sent as 0", "huegate/lights/lámpara-sala/set", `{"brightness":60,"transition":0}`, "/lights/2/state", `{"on":true,"bri":60,"transitiontime":0}`},
		{"color_temp in mired", "huegate/lights/hallup/set", `{"color_temp":300}`, "/lights/12/state", `{"on":true,"ct":300}`},
		{"color_temp above the lamp's range clamps to its top (454 for this one)", "huegate/lights/hallup/set", `{"color_temp":600}`, "/lights/12/state", `{"on":true,"ct":454}`},
		{"color_temp below 153 clamps", "huegate/lights/hallup/set", `{"color_temp":100}`, "/lights/12/state", `{"on":true,"ct":153}`},
		{"colour as CIE xy", "huegate/lights/desk-lamp/set", `{"color":{"x":0.31,"y":0.33}}`, "/lights/3/state", `{"on":true,"xy":[0.31,0.33]}`},
		{"colour as hue and saturation", "huegate/lights/spot-1/set", `{"color":{"hue":240,"saturation":100}}`, "/lights/5/state", `{"on":true,"hue":43690,"sat":254}`},
		{"hue 0 and saturation 0 are sent, h and s work", "huegate/lights/spot-1/set", `{"color":{"h":0,"s":0}}`, "/lights/5/state", `{"on":true,"hue":0,"sat":0}`},
		{"fields combine", "huegate/lights/desk-lamp/set", `{"state":"ON","brightness":200,"color_temp":300,"transition":0}`, "/lights/3/state", `{"on":true,"bri":200,"ct":300,"transitiontime":0}`},
		{"OFF sends no colour", "huegate/lights/desk-lamp/set", `{"state":"OFF","color_temp":250}`, "/lights/3/state", `{"on":false}`},
		{"TOGGLE switches an off plug on", "huegate/lights/coffee-machine/set", "TOGGLE", "/lights/20/state", `{"on":true}`},
		{"toggle in any case switches it off again", "huegate/lights/coffee-machine/set", "toggle", "/lights/20/state", `{"on":false}`},
		{"TOGGLE in JSON", "huegate/lights/coffee-machine/set", `{"state":"TOGGLE"}`, "/lights/20/state", `{"on":true}`},
		{"TOGGLE on a group that has a light on switches it off", "huegate/groups/downstairs/set", "TOGGLE", "/groups/4/action", `{"on":false}`},
		{"a group's brightness", "huegate/groups/hall-lights/set", `{"brightness":77}`, "/groups/7/action", `{"on":true,"bri":77}`},
	} {
		if body, ok := v2SetBodies[c.name]; ok && v2() {
			c.body = body
		}
		t.Run(c.name, func(t *testing.T) {
			from := w.bridge.mark()
			w.pub(t, c.topic, c.payload)
			w.bridge.waitPut(t, from, c.resource, c.body)
		})
	}

	t.Run("colour as sRGB becomes xy", func(t *testing.T) {
		from := w.bridge.mark()
		w.pub(t, "huegate/lights/ledstrip/set", `{"color":{"r":255,"g":0,"b":0}}`)
		// Pure red through the sRGB gamma (1 stays 1) and the wide-gamut
		// matrix: X 0.664511, Y 0.283881, Z 0.000088.
		x, y := 0.664511/0.94848, 0.283881/0.94848
		w.bridge.waitFor(t, from, "PUT /lights/7/state with xy of red", func(r bridgeRequest) bool {
			var body struct {
				On *bool       `json:"on"`
				XY *[2]float64 `json:"xy"`
			}
			if r.Method != http.MethodPut || r.Path != w.bridge.api("/lights/7/state") || json.Unmarshal(r.Body, &body) != nil {
				return false
			}
			return body.On != nil && *body.On && body.XY != nil && math.Abs(body.XY[0]-x) < 0.001 && math.Abs(body.XY[1]-y) < 0.001
		})
	})

	t.Run("the state topic shows a command at once", func(t *testing.T) {
		t0 := time.Now()
		from := w.bridge.mark()
		w.pub(t, "huegate/lights/hallup/set", `{"brightness":33,"color_temp":400}`)
		w.bridge.waitPut(t, from, "/lights/12/state", `{"on":true,"bri":33,"ct":400}`)
		states.WaitFor(t, wait, after(t0, stateHas("huegate/lights/hallup/state",
			map[string]any{"on": true, "bri": 33, "ct": 400, "state": "ON", "brightness": 33, "color_temp": 400})))
	})

	// The scene Relax (R3laxLivingRm01 in the fixture) belongs to Living
	// room, group 1.
	recalled := time.Now()
	for _, c := range []struct{ name, payload string }{
		{"a scene by name reaches the bridge as the group's action", `{"scene":"Relax"}`},
		{"a scene by name ignoring case", `{"scene":"rELAX"}`},
		{"a scene by id", `{"scene":"R3laxLivingRm01"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			from := w.bridge.mark()
			w.pub(t, "huegate/groups/living-room/set", c.payload)
			w.bridge.waitPut(t, from, "/groups/1/action", `{"scene":"R3laxLivingRm01"}`)
		})
	}

	t.Run("a recalled scene shows on its lights' state topics", func(t *testing.T) {
		// Relax: Spot #1 at bri 144, ct 447; LED+Strip at bri 144, xy
		// [0.5019, 0.4152]; read back from the bridge.
		states.WaitFor(t, wait, after(recalled, stateHas("huegate/lights/spot-1/state",
			map[string]any{"on": true, "bri": 144, "ct": 447, "color_mode": "color_temp", "color_temp": 447})))
		states.WaitFor(t, wait, after(recalled, stateHas("huegate/lights/ledstrip/state",
			map[string]any{"on": true, "bri": 144, "xy": []float64{0.5019, 0.4152}})))
	})

	t.Run("refused light commands send nothing", func(t *testing.T) {
		for i, p := range []string{
			`{"brigthness":3}`,             // an unknown field
			`{"color":{"x":2,"y":0.3}}`,    // colour out of range
			`{"scene":"Relax"}`,            // only groups recall scenes
			`{"state":"ON","brightness":}`, // not JSON
			`dim`,
		} {
			topic, payload, resource, body := lightSentinel()
			w.nothingSent(t, "huegate/lights/lámpara-sala/set", []string{p}, []string{"/lights/2/state"}, topic, payload, resource, body, i == 0)
		}
	})

	t.Run("the warning names the topic, the reason and the field", func(t *testing.T) {
		w.huegate.stderr.waitLog(t, "a warning naming brigthness", 1, func(l logLine) bool {
			return l.str("level") == "warn" && l.str("topic") == "huegate/lights/lámpara-sala/set" &&
				l.str("reason") != "" && strings.Contains(l.str("message"), "brigthness")
		})
	})

	t.Run("a command for an unknown slug is refused", func(t *testing.T) {
		topic, payload, resource, body := lightSentinel()
		w.nothingSent(t, "huegate/lights/no-such-lamp/set", []string{"ON"}, nil, topic, payload, resource, body, false)
	})

	t.Run("refused group commands send nothing", func(t *testing.T) {
		for _, p := range []string{
			`{"scene":"No such scene"}`,
			`{"scene":"Concentrate"}`, // Kitchen's scene, by name
			`{"brigthness":3}`,
		} {
			topic, payload, resource, body := groupSentinel()
			w.nothingSent(t, "huegate/groups/living-room/set", []string{p}, []string{"/groups/1/action"}, topic, payload, resource, body, false)
		}
	})

	t.Run("a retained command the broker replays on reconnect is ignored", func(t *testing.T) {
		from := w.bridge.mark()
		w.replayOnReconnect(t, "huegate/lights/lámpara-sala/set", `{"brightness":33}`)
		topic, payload, resource, body := lightSentinel()
		w.pub(t, topic, payload)
		w.bridge.waitPut(t, from, resource, body)
		if got := w.bridge.putsTo(from, "/lights/2/state"); len(got) > 0 {
			t.Errorf("a retained set command replayed on reconnect reached the bridge: %v", got)
		}
	})

	t.Run("the last will says offline when huegate dies", func(t *testing.T) {
		t0 := time.Now()
		if err := w.huegate.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-w.huegate.exited
		w.status.WaitFor(t, wait, after(t0, payloadIs("huegate/status", "offline")))
	})
}

// v2SetBodies are what the commands that differ over CLIP v2 reach the
// bridge as: v2 has no hue and saturation, so huegate sends the colour as
// xy (the Wide gamut's blue primary, and its white point).
var v2SetBodies = map[string]string{
	"colour as hue and saturation":                  `{"on":true,"xy":[0.1355,0.0399]}`,
	"hue 0 and saturation 0 are sent, h and s work": `{"on":true,"xy":[0.3227,0.329]}`,
}
