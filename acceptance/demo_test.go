package acceptance

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// demoWorld is `huegate demo`: its own broker, emulated bridge and gateway
// in one process, every listener on a port the system picked.
type demoWorld struct {
	p       *process
	broker  string // tcp://127.0.0.1:PORT
	ws      string // ws://127.0.0.1:PORT
	bridge  string // the emulated bridge's URL
	key     string
	metrics string
	pubCmds map[string][]string // the printed mosquitto_pub commands, by topic
	subCmd  []string            // the printed mosquitto_sub command
}

var (
	demoBroker  = regexp.MustCompile(`MQTT broker +(tcp://127\.0\.0\.1:\d+)\n`)
	demoWS      = regexp.MustCompile(`MQTT WebSocket +(ws://127\.0\.0\.1:\d+) `)
	demoBridge  = regexp.MustCompile(`Hue emulator +(http://127\.0\.0\.1:\d+) \(API key (\S+)\)`)
	demoMetrics = regexp.MustCompile(`Metrics, health +(http://127\.0\.0\.1:\d+/metrics) `)
	demoTry     = regexp.MustCompile(`(?m)^  (mosquitto_(?:pub|sub) .*)$`)
	demoStopped = regexp.MustCompile(`Ctrl-C stops\.`)
	demoPage    = regexp.MustCompile(`^Control page: (http://127\.0\.0\.1:\d+/) `)
)

// startDemo runs `huegate demo` with every port picked by the system
// (port 0) and reads from what it prints where everything is.
func startDemo(t *testing.T) *demoWorld {
	t.Helper()
	needTools(t)
	d := &demoWorld{pubCmds: map[string][]string{}}
	d.p = huegate(t, "demo", "--mqtt-listen", "127.0.0.1:0", "--ws-listen", "127.0.0.1:0",
		"--http-listen", "127.0.0.1:0", "--log-format", "json")
	d.p.stdout.waitMatch(t, demoStopped)
	out := d.p.stdout.String()
	d.broker = d.p.stdout.waitMatch(t, demoBroker)[1]
	d.ws = d.p.stdout.waitMatch(t, demoWS)[1]
	m := d.p.stdout.waitMatch(t, demoBridge)
	d.bridge, d.key = m[1], m[2]
	d.metrics = d.p.stdout.waitMatch(t, demoMetrics)[1]
	for _, try := range demoTry.FindAllStringSubmatch(out, -1) {
		args := strings.Fields(strings.ReplaceAll(try[1], "'", ""))
		if args[0] == "mosquitto_sub" {
			d.subCmd = args
			continue
		}
		for i := range args[:len(args)-1] {
			if args[i] == "-t" {
				d.pubCmds[args[i+1]] = args
			}
		}
	}
	if d.subCmd == nil || d.pubCmds["lights"] == nil || d.pubCmds["lamp/knob"] == nil {
		t.Fatalf("the demo does not print the mosquitto_pub and mosquitto_sub commands to try:\n%s", out)
	}
	return d
}

// waitPolledTwice waits until what a poll teaches (slugs, scenes) is in use:
// the groups have been read three times (once at start-up to check names,
// then by two polls), and huegate polls in one loop.
func (d *demoWorld) waitPolledTwice(t *testing.T) {
	t.Helper()
	waitMetric(t, d.metrics, "huegate_bridge_request_duration_seconds_count", map[string]string{"op": "groups"}, 3)
}

// pub publishes to the demo's broker with mosquitto_pub.
func (d *demoWorld) pub(t *testing.T, topic, payload string) {
	t.Helper()
	pub(t, strings.TrimPrefix(d.broker, "tcp://"), topic, payload, false)
}

// commands returns the bridge commands the demo logged so far for one
// light or group ("light" or "group", and its id).
func (d *demoWorld) commands(kind, id string) []logLine {
	return filterLog(d.p.stderr.logLines(), isCommand(kind, id))
}

func isCommand(kind, id string) func(logLine) bool {
	return func(l logLine) bool { return l.str("message") == "bridge command" && l.str(kind) == id }
}

// waitCommand waits for the demo to log a bridge command for kind and id
// with exactly body, after the first from such commands.
func (d *demoWorld) waitCommand(t *testing.T, from int, kind, id, body string) {
	t.Helper()
	d.p.stderr.waitFor(t, wait, "bridge command for "+kind+" "+id+" "+body, func(string) bool {
		cmds := d.commands(kind, id)
		for _, c := range cmds[min(from, len(cmds)):] {
			got, _ := json.Marshal(c["body"])
			if jsonEqual(got, []byte(body)) {
				return true
			}
		}
		return false
	})
}

// light reads one light's state from the emulated bridge, as the demo's
// printed curl command does.
func (d *demoWorld) light(t *testing.T, id string) map[string]any {
	t.Helper()
	l := object(t, "light "+id, httpGet(t, d.bridge+"/api/"+d.key+"/lights/"+id))
	state, _ := l["state"].(map[string]any)
	return state
}

// README "Quick start" and `huegate demo --help`: the same claims as for
// `huegate run`, seen through the demo's topics, its log of bridge commands
// and its emulated bridge.
func TestDemo(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	states := mqtttest.Subscribe(t, d.broker, "huegate/+/+/state")

	t.Run("huegate/status and huegate/bridge/status are online, over TCP and WebSocket", func(t *testing.T) {
		for _, url := range []string{d.broker, d.ws} {
			for _, topic := range []string{"huegate/status", "huegate/bridge/status"} {
				retainedOnline(t, url, topic)
			}
		}
	})

	t.Run("health is served and says ok", func(t *testing.T) {
		health := object(t, "/healthz", httpGet(t, strings.TrimSuffix(d.metrics, "/metrics")+"/healthz"))
		if health["status"] != "ok" {
			t.Errorf("/healthz: %v, want status ok", health)
		}
	})

	t.Run("the printed mosquitto_sub shows huegate's topics", func(t *testing.T) {
		// mosquitto_sub buffers its output when it is not on a terminal:
		// let it exit after the retained messages (status, bridge status,
		// 8 lights, 5 groups), which flushes them.
		sub := startProcess(t, d.subCmd[0], append(d.subCmd[1:], "-C", "15")...)
		if code := sub.exitCode(t, wait); code != 0 {
			t.Fatalf("mosquitto_sub exit code %d", code)
		}
		out := sub.stdout.String()
		for _, line := range []string{"huegate/status online", "huegate/bridge/status online"} {
			if !hasLine(out, line) {
				t.Errorf("no line %q in:\n%s", line, out)
			}
		}
		for _, prefix := range []string{"huegate/lights/desk-lamp/state {", "huegate/groups/living-room/state {"} {
			if !strings.Contains("\n"+out, "\n"+prefix) {
				t.Errorf("no line %q... in:\n%s", prefix, out)
			}
		}
	})

	t.Run("the light and group states are retained JSON with the README's fields", func(t *testing.T) {
		got := retainedStates(t, d.broker, "huegate/lights/+/state", "huegate/lights/%s/state", lightSlugs)
		wantFields(t, "garden-lantern", got["garden-lantern"], map[string]any{"id": "31", "name": "Garden lantern",
			"on": true, "bri": 254, "reachable": false, "state": "ON", "brightness": 254, "color_mode": "brightness"})
		if _, ok := got["coffee-machine"]["brightness"]; ok {
			t.Errorf("coffee-machine (a plug) has a brightness: %v", got["coffee-machine"])
		}
		groups := retainedStates(t, d.broker, "huegate/groups/+/state", "huegate/groups/%s/state", groupSlugs)
		wantJSON(t, "kitchen", groups["kitchen"], `{"id":"2","name":"Kitchen","type":"Room","lights":["1","20"],
			"any_on":true,"all_on":false,"on":true,"bri":200,"state":"ON","brightness":200,
			"color_mode":"color_temp","color_temp":366}`)
	})

	t.Run("the printed mosquitto_pub commands reach the emulated lights", func(t *testing.T) {
		from1, from2, from3 := len(d.commands("light", "1")), len(d.commands("light", "2")), len(d.commands("light", "3"))
		mosquittoPub(t, d.pubCmds["lights"][1:], "")
		// "lights" (0..254) drives Küche Decke (1) and Lámpara sala (2).
		d.waitCommand(t, from1, "light", "1", `{"on":true,"bri":200,"transitiontime":1}`)
		d.waitCommand(t, from2, "light", "2", `{"on":true,"bri":200,"transitiontime":1}`)
		for _, id := range []string{"1", "2"} {
			if s := d.light(t, id); s["on"] != true || s["bri"] != 200.0 {
				t.Errorf("emulated light %s after lights=200: %v", id, s)
			}
		}
		states.WaitFor(t, wait, stateHas("huegate/lights/lámpara-sala/state", map[string]any{"on": true, "bri": 200, "state": "ON", "brightness": 200}))
		// "lamp/knob" (0..1023) drives Desk lamp (3): 512 is bri 127.
		mosquittoPub(t, d.pubCmds["lamp/knob"][1:], "")
		d.waitCommand(t, from3, "light", "3", `{"on":true,"bri":127,"transitiontime":1}`)
		if s := d.light(t, "3"); s["on"] != true || s["bri"] != 127.0 {
			t.Errorf("emulated light 3 after lamp/knob=512: %v", s)
		}
	})

	// lamp/knob (0..1023) drives Desk lamp (3) alone.
	for _, c := range []struct {
		name, topic, payload, light, body string
	}{
		{"zigbee2mqtt JSON, brightness in the range", "lamp/knob", `{"state":"ON","brightness":1023}`, "3", `{"on":true,"bri":254,"transitiontime":1}`},
		{"50% of the range", "lamp/knob", "50%", "3", `{"on":true,"bri":127,"transitiontime":1}`},
		{"OFF", "lamp/knob", "OFF", "3", `{"on":false,"transitiontime":1}`},
		{"ON keeps the brightness", "lamp/knob", "ON", "3", `{"on":true,"transitiontime":1}`},
		{"[0,1023]: 256 is 64", "lamp/knob", "256", "3", `{"on":true,"bri":64,"transitiontime":1}`},
		{"[0,1023]: 0 is off", "lamp/knob", "0", "3", `{"on":false,"transitiontime":1}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			from := len(d.commands("light", c.light))
			d.pub(t, c.topic, c.payload)
			d.waitCommand(t, from, "light", c.light, c.body)
		})
	}

	d.waitPolledTwice(t)
	for _, c := range []struct {
		name, topic, payload, light, body string
	}{
		{"a set topic: brightness", "huegate/lights/spot-1/set", `{"brightness":77}`, "5", `{"on":true,"bri":77}`},
		{"a set topic: color_temp", "huegate/lights/hallup/set", `{"color_temp":300}`, "12", `{"on":true,"ct":300}`},
		{"a set topic: colour", "huegate/lights/ledstrip/set", `{"color":{"x":0.31,"y":0.33}}`, "7", `{"on":true,"xy":[0.31,0.33]}`},
		{"a set topic: hue and saturation", "huegate/lights/spot-1/set", `{"color":{"hue":240,"saturation":100}}`, "5", `{"on":true,"hue":43690,"sat":254}`},
		{"a set topic: TOGGLE", "huegate/lights/coffee-machine/set", "TOGGLE", "20", `{"on":true}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			from := len(d.commands("light", c.light))
			d.pub(t, c.topic, c.payload)
			d.waitCommand(t, from, "light", c.light, c.body)
		})
	}

	t.Run("a set command shows on the light's state topic", func(t *testing.T) {
		states.WaitFor(t, wait, stateHas("huegate/lights/hallup/state", map[string]any{"on": true, "ct": 300, "color_temp": 300}))
		states.WaitFor(t, wait, stateHas("huegate/lights/coffee-machine/state", map[string]any{"on": true, "state": "ON"}))
		if s := d.light(t, "20"); s["on"] != true {
			t.Errorf("emulated plug after TOGGLE: %v", s)
		}
	})

	t.Run("junk payloads send nothing", func(t *testing.T) {
		junk := []string{"abc", "NaN", "Inf", "1e999", "\xff\xfe1", "100" + strings.Repeat(" ", 1100)}
		labels := map[string]string{"topic": "lights"}
		before := metric(t, d.metrics, "huegate_messages_rejected_total", labels)
		from1, from2, from3 := len(d.commands("light", "1")), len(d.commands("light", "2")), len(d.commands("light", "3"))
		for _, p := range junk {
			d.pub(t, "lights", p)
		}
		d.pub(t, "lamp/knob", "700") // bri 174
		d.waitCommand(t, from3, "light", "3", `{"on":true,"bri":174,"transitiontime":1}`)
		want := before + float64(len(junk))
		if got := waitMetric(t, d.metrics, "huegate_messages_rejected_total", labels, want); got != want {
			t.Errorf("huegate_messages_rejected_total{topic=lights} = %v, want %v", got, want)
		}
		if n1, n2 := len(d.commands("light", "1")), len(d.commands("light", "2")); n1 != from1 || n2 != from2 {
			t.Errorf("junk on lights made bridge commands: %v", append(d.commands("light", "1")[from1:], d.commands("light", "2")[from2:]...))
		}
	})

	// Relax (R3laxLivingRm01) puts Living room's lights at bri 144, Spot
	// #1 and Desk lamp at ct 447, LED+Strip at xy [0.5019, 0.4152].
	scene := map[string]map[string]any{
		"spot-1":       {"on": true, "bri": 144, "ct": 447, "color_mode": "color_temp"},
		"desk-lamp":    {"on": true, "bri": 144, "ct": 447},
		"ledstrip":     {"on": true, "bri": 144, "xy": []float64{0.5019, 0.4152}},
		"lámpara-sala": {"on": true, "bri": 144},
	}
	ids := map[string]string{"spot-1": "5", "desk-lamp": "3", "ledstrip": "7", "lámpara-sala": "2"}
	// moveAway sets the scene's lights elsewhere, so that a recall shows.
	moveAway := func(t *testing.T) {
		t.Helper()
		t0 := time.Now()
		away := map[string]int{"spot-1": 10, "desk-lamp": 11, "ledstrip": 12, "lámpara-sala": 13}
		for slug, bri := range away {
			d.pub(t, "huegate/lights/"+slug+"/set", `{"brightness":`+strconv.Itoa(bri)+`}`)
		}
		for slug, bri := range away {
			states.WaitFor(t, wait, after(t0, stateHas("huegate/lights/"+slug+"/state", map[string]any{"bri": bri})))
		}
	}

	t.Run("a scene by name on the group's set topic changes its lights' states", func(t *testing.T) {
		moveAway(t)
		from := len(d.commands("group", "1"))
		t1 := time.Now()
		d.pub(t, "huegate/groups/living-room/set", `{"scene":"Relax"}`)
		d.waitCommand(t, from, "group", "1", `{"scene":"R3laxLivingRm01"}`)
		// huegate reads the bridge back and publishes what the scene did.
		for slug, want := range scene {
			states.WaitFor(t, wait, after(t1, stateHas("huegate/lights/"+slug+"/state", want)))
		}
	})

	t.Run("a scene by id on the group's set topic changes its lights at the bridge", func(t *testing.T) {
		moveAway(t)
		from := len(d.commands("group", "1"))
		d.pub(t, "huegate/groups/living-room/set", `{"scene":"R3laxLivingRm01"}`)
		d.waitCommand(t, from, "group", "1", `{"scene":"R3laxLivingRm01"}`)
		// The command is logged once the bridge took it.
		for slug, want := range scene {
			data, _ := json.Marshal(d.light(t, ids[slug]))
			bridgeWant := map[string]any{}
			for k, v := range want {
				if k != "color_mode" { // huegate's name; the bridge has colormode
					bridgeWant[k] = v
				}
			}
			if !fieldsMatch(data, bridgeWant) {
				t.Errorf("emulated %s after the scene: %s, want %v", slug, data, bridgeWant)
			}
		}
	})

	t.Run("the control page's address comes first, and the page moves the lights", func(t *testing.T) {
		first := strings.TrimSpace(d.p.stdout.String())
		m := demoPage.FindStringSubmatch(strings.SplitN(first, "\n", 2)[0])
		if m == nil {
			t.Fatalf("the demo's first line is not the control page's address:\n%s", first)
		}
		page := m[1]
		if html := string(httpGet(t, page)); !strings.Contains(html, "<title>huegate</title>") || !strings.Contains(html, "/assets/app.js") {
			t.Fatalf("%s is not the control page:\n%s", page, html)
		}
		// The page's socket, as its script uses it: a value on a shared
		// topic is a retained publish every client sees, and reaches the lights.
		others := mqtttest.Subscribe(t, d.broker, "lights")
		ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(page, "http://", "ws://", 1)+"ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		from := len(d.commands("light", "2"))
		if err := ws.WriteJSON(map[string]string{"topic": "lights", "payload": "77"}); err != nil {
			t.Fatal(err)
		}
		others.WaitFor(t, wait, payloadIs("lights", "77"))
		d.waitCommand(t, from, "light", "2", `{"on":true,"bri":77,"transitiontime":1}`)
	})

	t.Run("Ctrl-C (SIGINT) stops the demo with exit code 0", func(t *testing.T) {
		d.p.signal(t, syscall.SIGINT)
		if code := d.p.exitCode(t, wait); code != 0 {
			t.Errorf("exit code %d after SIGINT, want 0", code)
		}
		// The demo's broker stops with it, so whether a client still gets
		// huegate's offline is a race; the log says it stopped in order.
		d.p.stderr.waitLog(t, "stopping", 1, func(l logLine) bool { return strings.HasPrefix(l.str("message"), "stopping") })
	})
}
