package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/entertainment"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// The fixture's entertainment area "TV area" is v1 group 9: lights 3, 5, 7.
const (
	clientKey = "00112233445566778899aabbccddeeff"
	tvArea    = "9"
	tvMapping = "  - {topic: home/tv, stream: TV area, stream_idle: 1s}\n"
)

var tvLights = []string{"3", "5", "7"}

func streaming(t *testing.T, on onBridge) (*emulator.Server, *mqtttest.Broker, interface{ String() string }) {
	t.Helper()
	on.mode, on.stream = emulator.ModeGen2, true
	if on.api == "" {
		on.api = "auto"
	}
	srv, broker, logs, _ := startOn(t, on, tvMapping)
	srv.Bridge.SetStreamSilence(3 * time.Second)
	return srv, broker, logs
}

// streamOn starts huegate with mappings against a gen2 bridge that
// streams, both sides knowing the client key.
func streamOn(t *testing.T, mappings string) (*emulator.Server, *mqtttest.Broker, *testkit.Buffer, *app.App) {
	t.Helper()
	return startOn(t, onBridge{mode: emulator.ModeGen2, api: "auto", stream: true, clientKey: clientKey}, mappings)
}

// noRESTWhileStreaming fails when a REST command reached the area's lights.
func noRESTWhileStreaming(t *testing.T, b *emulator.Bridge) {
	t.Helper()
	if puts := lightPuts(b); len(puts) != 0 {
		t.Fatalf("REST commands to the area's lights while it streams: %v", describe(puts))
	}
}

// waitUntil polls cond for up to 10 s, the bound of every wait here.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, what, cond)
}

// lightPuts are the REST commands for the area's lights (v1 or v2).
func lightPuts(b *emulator.Bridge) []emulator.Request {
	var out []emulator.Request
	for _, r := range b.Requests() {
		if isLightPut(b, r) {
			out = append(out, r)
		}
	}
	return out
}

func isLightPut(b *emulator.Bridge, r emulator.Request) bool {
	if r.Method != http.MethodPut {
		return false
	}
	for _, l := range tvLights {
		if strings.HasPrefix(r.Path, "/api/"+b.Key()+"/lights/"+l+"/") || strings.HasPrefix(r.Path, "/clip/v2/resource/light/"+emulator.V2ID("light", l)) {
			return true
		}
	}
	return false
}

func lastBrightness(b *emulator.Bridge) (uint16, bool) {
	fs := b.Frames()
	if len(fs) == 0 || len(fs[len(fs)-1].Channels) == 0 {
		return 0, false
	}
	return fs[len(fs)-1].Channels[0].C, true
}

// A value on a streamed topic starts the area and goes out in frames, not
// REST; the colour each light had stays; after stream_idle the area stops,
// and each light gets its final value over REST once.
func TestStreamedTopicMovesTheAreaThenHandsBackToREST(t *testing.T) {
	srv, broker, logs := streaming(t, onBridge{clientKey: clientKey})
	b := srv.Bridge
	before, _ := b.Light("3")
	pub := mqtttest.NewPublisher(t, broker.URL)
	for _, v := range []string{"10", "60", "127"} {
		pub.Publish("home/tv", []byte(v), 0, false)
	}
	want := entertainment.Unit(127.0 / 254)
	waitUntil(t, "a frame with brightness 127/254", func() bool { c, ok := lastBrightness(b); return ok && c == want })
	if st, _ := b.EntertainmentArea(tvArea); !st.Active || st.Streamer != emulator.ApplicationID(b.Key()) {
		t.Fatalf("area %+v, want active, streamed by huegate", st)
	}
	noRESTWhileStreaming(t, b)
	f := b.Frames()[len(b.Frames())-1]
	if f.Space != entertainment.XYB || len(f.Channels) != 3 {
		t.Fatalf("frame %+v, want xy+brightness for 3 channels", f)
	}
	if x := entertainment.Float(f.Channels[0].A); abs(x-before.XY[0]) > 0.001 {
		t.Fatalf("light 3 streamed x %.4f, its colour was x %.4f", x, before.XY[0])
	}
	waitUntil(t, "the area to stop after stream_idle", func() bool { st, _ := b.EntertainmentArea(tvArea); return !st.Active })
	waitUntil(t, "one REST command per light", func() bool { return len(lightPuts(b)) == 3 })
	for _, l := range tvLights {
		waitUntil(t, "light "+l+" at 127", func() bool { st, _ := b.Light(l); return st.On && st.Bri == 127 })
	}
	if n := strings.Count(logs.String(), "streaming to entertainment area"); n != 1 {
		t.Fatalf("%d stream starts logged, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "no change for stream_idle") {
		t.Fatalf("the stop line does not say why:\n%s", logs)
	}
	if len(b.StreamSessions()) != 0 {
		t.Fatalf("sessions left open: %+v", b.StreamSessions())
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// Whenever the area cannot stream, one log line names the cause and the
// fix, and the value lands over REST.
func TestStreamFallsBackToRESTWithOneClearLine(t *testing.T) {
	for _, c := range []struct {
		name, line string
		on         onBridge
		knob       func(*emulator.Bridge)
	}{
		{"in use", "in use by another application", onBridge{clientKey: clientKey}, func(b *emulator.Bridge) { b.SetStreamInUse(true) }},
		{"no handshake", "DTLS handshake", onBridge{clientKey: clientKey}, func(b *emulator.Bridge) { b.SetStreamNoHandshake(true) }},
		{"no client key", "pair again", onBridge{bridgeKey: clientKey}, nil},
		{"wrong client key", "DTLS handshake", onBridge{clientKey: "ffeeddccbbaa99887766554433221100", bridgeKey: clientKey}, nil},
		{"api v1", "reached over CLIP v1", onBridge{clientKey: clientKey, api: "v1"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, broker, logs := streaming(t, c.on)
			b := srv.Bridge
			if c.knob != nil {
				c.knob(b)
			}
			pub := mqtttest.NewPublisher(t, broker.URL)
			pub.Publish("home/tv", []byte("200"), 0, false)
			waitUntil(t, "a REST command per light", func() bool { return len(lightPuts(b)) == 3 })
			pub.Publish("home/tv", []byte("201"), 0, false)
			waitUntil(t, "the next value over REST too", func() bool { return len(lightPuts(b)) == 6 })
			if c.name != "in use" { // the other application's stream hides REST
				// The request log has a command when it arrives; the
				// light changes after the bridge's latency.
				for _, l := range tvLights {
					waitUntil(t, "light "+l+" on at 201", func() bool { st, _ := b.Light(l); return st.On && st.Bri == 201 })
				}
			}
			if n := strings.Count(logs.String(), "cannot stream to the entertainment area"); n != 1 {
				t.Fatalf("%d fallback lines, want 1:\n%s", n, logs)
			}
			if !strings.Contains(logs.String(), c.line) {
				t.Fatalf("the log does not name the cause (%q):\n%s", c.line, logs)
			}
			for _, k := range []string{clientKey, c.on.clientKey} {
				if k != "" && strings.Contains(logs.String(), k) {
					t.Fatal("a client key is in the log")
				}
			}
		})
	}
}

// A colour sent to a streamed light's set topic while its area streams
// goes out in the frames.
func TestSetTopicColourJoinsTheStream(t *testing.T) {
	srv, broker, _ := streaming(t, onBridge{clientKey: clientKey})
	b := srv.Bridge
	pub := mqtttest.NewPublisher(t, broker.URL)
	pub.Publish("home/tv", []byte("254"), 0, false)
	waitUntil(t, "streaming", func() bool { _, ok := lastBrightness(b); return ok })
	pub.Publish("huegate/lights/desk-lamp/set", []byte(`{"color":{"x":0.6,"y":0.3}}`), 0, false)
	waitUntil(t, "x 0.6 in a frame", func() bool {
		fs := b.Frames()
		for _, ch := range fs[len(fs)-1].Channels {
			if abs(entertainment.Float(ch.A)-0.6) < 0.001 {
				return true
			}
		}
		return false
	})
	noRESTWhileStreaming(t, b)
}

// Stopping huegate while it streams stops the area and leaves the lights
// at the final value, with no session left on the bridge.
func TestStopWhileStreamingHandsTheAreaBack(t *testing.T) {
	srv, broker, logs, a := streamOn(t, "  - {topic: home/tv, stream: TV area, stream_idle: 1m}\n")
	b := srv.Bridge
	mqtttest.Publish(t, broker.URL, "home/tv", []byte("99"), false)
	waitUntil(t, "streaming", func() bool { _, ok := lastBrightness(b); return ok })
	if err := a.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.EntertainmentArea(tvArea); st.Active {
		t.Fatal("the area is still active after huegate stopped")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Fatalf("the stop line does not say why:\n%s", logs)
	}
	for _, l := range tvLights {
		if st, _ := b.Light(l); st.Bri != 99 || !st.On {
			t.Fatalf("light %s: %+v, want on at 99", l, st)
		}
	}
	if len(b.StreamSessions()) != 0 {
		t.Fatalf("sessions left: %+v", b.StreamSessions())
	}
}

// A colour streamed to a light survives an OFF: the next brightness shows
// it, as over REST, and the final REST command after the stop carries it.
func TestAStreamedColourSurvivesOff(t *testing.T) {
	srv, broker, _ := streaming(t, onBridge{clientKey: clientKey})
	b := srv.Bridge
	pub := mqtttest.NewPublisher(t, broker.URL)
	pub.Publish("home/tv", []byte("254"), 0, false)
	waitUntil(t, "streaming", func() bool { _, ok := lastBrightness(b); return ok })
	deskLamp := func(ok func(entertainment.Channel) bool) func() bool {
		return func() bool {
			fs := b.Frames()
			return ok(fs[len(fs)-1].Channels[0]) // channel 0 is light 3, the desk lamp
		}
	}
	red := func(ch entertainment.Channel) bool { return abs(entertainment.Float(ch.A)-0.6) < 0.001 }
	pub.Publish("huegate/lights/desk-lamp/set", []byte(`{"color":{"x":0.6,"y":0.3}}`), 0, false)
	waitUntil(t, "x 0.6 in a frame", deskLamp(red))
	pub.Publish("huegate/lights/desk-lamp/set", []byte(`OFF`), 0, false)
	waitUntil(t, "the desk lamp off in a frame", deskLamp(func(ch entertainment.Channel) bool { return ch.C == 0 }))
	pub.Publish("huegate/lights/desk-lamp/set", []byte(`{"brightness":150}`), 0, false)
	waitUntil(t, "the desk lamp back on at x 0.6", deskLamp(func(ch entertainment.Channel) bool { return ch.C > 0 && red(ch) }))
	waitUntil(t, "the final REST command of the desk lamp", func() bool {
		for _, r := range lightPuts(b) {
			if strings.Contains(r.Path, emulator.V2ID("light", "3")) && strings.Contains(string(r.Body), `"x":0.6`) {
				return true
			}
		}
		return false
	})
	waitUntil(t, "the desk lamp on at x 0.6 over REST", func() bool { st, _ := b.Light("3"); return st.On && abs(float64(st.XY[0])-0.6) < 0.001 })
}

// finalsAfterStop are the REST commands for the area's lights sent after
// the bridge answered the last request that stopped the area, which takes
// latency to answer: the final values a session hands to REST.
func finalsAfterStop(b *emulator.Bridge, latency time.Duration) []emulator.Request {
	reqs := b.Requests()
	var answered time.Time
	for _, r := range reqs {
		if r.Method == http.MethodPut && strings.Contains(r.Path, "entertainment_configuration") && strings.Contains(string(r.Body), "stop") {
			answered = r.Time.Add(latency)
		}
	}
	var out []emulator.Request
	for _, r := range reqs {
		if !answered.IsZero() && r.Time.After(answered) && isLightPut(b, r) {
			out = append(out, r)
		}
	}
	return out
}

// A value published while a failed stream is being stopped is the one the
// lights keep: the session's older picture never lands after it.
func TestAValueDuringAFailedStreamsStopWins(t *testing.T) {
	srv, broker, logs, _ := streamOn(t, "  - {topic: home/tv, stream: TV area, stream_idle: 20s}\n")
	b := srv.Bridge
	b.SetStreamSilence(300 * time.Millisecond) // shorter than the keep-alive: the bridge ends the stream
	pub := mqtttest.NewPublisher(t, broker.URL)
	pub.Publish("home/tv", []byte("50"), 0, false)
	waitUntil(t, "streaming", func() bool { _, ok := lastBrightness(b); return ok })
	b.SetLatency(1500 * time.Millisecond) // the stop takes 1.5 s
	waitUntil(t, "the stream to fail", func() bool { return strings.Contains(logs.String(), "the stream to the entertainment area failed") })
	pub.Publish("home/tv", []byte("180"), 0, false)
	var finals []emulator.Request
	waitUntil(t, "the final REST commands after the stop", func() bool {
		finals = finalsAfterStop(b, 1500*time.Millisecond)
		return len(finals) >= len(tvLights)
	})
	for _, r := range finals {
		if !strings.Contains(string(r.Body), `"brightness":70.87`) { // 180 of 254
			t.Fatalf("a final command after the stop is not the newest value 180: %s %s", r.Path, r.Body)
		}
	}
	for _, l := range tvLights {
		testkit.Eventually(t, 15*time.Second, "light "+l+" at 180", func() bool { st, _ := b.Light(l); return st.On && st.Bri == 180 })
	}
}

// A mapping that streams to an area and names more lights moves those over
// REST while the area streams, and sends the area's lights no REST.
func TestLightsBesideTheAreaGoOverREST(t *testing.T) {
	srv, broker, _, _ := streamOn(t, "  - {topic: home/tv, stream: TV area, lights: [\"Hall/Up\", \"Desk lamp\"], stream_idle: 20s}\n")
	b := srv.Bridge
	mqtttest.Publish(t, broker.URL, "home/tv", []byte("127"), false)
	waitUntil(t, "a frame with 127", func() bool { c, ok := lastBrightness(b); return ok && c == entertainment.Unit(127.0/254) })
	waitUntil(t, "Hall/Up at 127 over REST", func() bool { st, _ := b.Light("12"); return st.On && st.Bri == 127 })
	noRESTWhileStreaming(t, b)
}

// What a poll reads from lights the stream moves is huegate's own doing:
// a sync mapping sees no change from outside in it, and sends nothing.
func TestPollsWhileStreamingSeeNoOutsideChange(t *testing.T) {
	srv, broker, logs, _ := streamOn(t, "  - {topic: home/tv, stream: TV area, sync: true, stream_idle: 20s}\n")
	b := srv.Bridge
	b.SetEventStream(false) // polls every 200 ms
	mqtttest.Publish(t, broker.URL, "home/tv", []byte("50"), false)
	waitUntil(t, "streaming", func() bool { _, ok := lastBrightness(b); return ok })
	from := len(b.Requests())
	waitUntil(t, "three polls while streaming", func() bool {
		n := 0
		for _, r := range b.Requests()[from:] {
			if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/resource/light") {
				n++
			}
		}
		return n >= 3
	})
	if strings.Contains(logs.String(), "changed outside huegate") {
		t.Fatalf("a poll took the stream for an outside change:\n%s", logs)
	}
	noRESTWhileStreaming(t, b)
}

// A bridge that restarts ends every stream without a word (UDP): huegate
// notices within seconds and hands the newest value to REST.
func TestABridgeRestartWhileStreamingHandsValuesToREST(t *testing.T) {
	srv, broker, logs, _ := streamOn(t, "  - {topic: home/tv, stream: TV area, stream_idle: 1m}\n")
	b := srv.Bridge
	pub := mqtttest.NewPublisher(t, broker.URL)
	pub.Publish("home/tv", []byte("50"), 0, false)
	waitUntil(t, "streaming", func() bool { _, ok := lastBrightness(b); return ok })
	srv.Stop()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the area inactive after the restart", func() bool { st, _ := b.EntertainmentArea(tvArea); return !st.Active })
	pub.Publish("home/tv", []byte("180"), 0, false)
	for _, l := range tvLights {
		waitUntil(t, "light "+l+" at 180", func() bool { st, _ := b.Light(l); return st.On && st.Bri == 180 })
	}
	if !strings.Contains(logs.String(), "the bridge ended the stream") {
		t.Fatalf("the log does not say the bridge ended the stream:\n%s", logs)
	}
}

// Another mapping naming a light the area streams to moves it through the
// stream while it runs: the bridge would ignore a REST command.
func TestAnotherMappingsLightJoinsTheStream(t *testing.T) {
	srv, broker, _, _ := streamOn(t, tvMapping+"  - {topic: desk, lights: [\"Desk lamp\"]}\n")
	b := srv.Bridge
	pub := mqtttest.NewPublisher(t, broker.URL)
	pub.Publish("home/tv", []byte("254"), 0, false)
	waitUntil(t, "streaming", func() bool { _, ok := lastBrightness(b); return ok })
	pub.Publish("desk", []byte("127"), 0, false)
	waitUntil(t, "the desk lamp at 127 in a frame", func() bool { c, _ := lastBrightness(b); return c == entertainment.Unit(127.0/254) })
	noRESTWhileStreaming(t, b)
}
