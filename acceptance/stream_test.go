package acceptance

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	hueemu "github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// Issue 16 from the outside: a mapping with `stream: TV area` moves the
// fixture's entertainment area "TV area" (lights 3, 5 and 7) over the
// Entertainment stream. The emulator shows what arrived: its frame log
// (--frame-log), its log lines for areas and stream sessions, and its
// REST API.

const (
	tvTopic  = "home/tv"
	tvName   = "TV area"
	cantLine = "cannot stream to the entertainment area; values go over REST"
)

var tvLights = []string{"3", "5", "7"}

var emulatorStreamPort = regexp.MustCompile(`bridge\.stream_port: (\d+)\n`)

// streamBridge is `huegate emulate` serving the stream, with a recording
// proxy in front of its HTTPS port.
type streamBridge struct {
	emu        emulator
	frames     string // its --frame-log
	streamPort string
	area       string // the TV area's id
	bridge     *bridgeLog
	host       string // the proxy's address, for huegate
}

// startStreamBridge runs the emulator with its link button pressed, a
// frame log and the knobs given (--stream-in-use, ...).
func startStreamBridge(t *testing.T, knobs ...string) *streamBridge {
	t.Helper()
	if !secure() {
		t.Skip("the old bridge has no Entertainment API")
	}
	dir := t.TempDir()
	b := &streamBridge{frames: filepath.Join(dir, "frames.jsonl")}
	args := append([]string{"emulate", "--mode", bridgeMode(), "--listen", "127.0.0.1:0", "--fixture", fixture,
		"--log-format", "json", "--ca-dir", dir, "--stream-port", "0", "--link-button", "--frame-log", b.frames}, knobs...)
	p := huegate(t, args...)
	b.emu = emulator{URL: p.stdout.waitMatch(t, emulatorHTTPS)[1], Key: p.stdout.waitMatch(t, emulatorKey)[1],
		CADir: dir, CAFile: p.stdout.waitMatch(t, emulatorCAFile)[1], p: p}
	b.streamPort = p.stdout.waitMatch(t, emulatorStreamPort)[1]
	b.bridge, b.host = startProxy(t, b.emu)
	b.area = b.areaID(t, tvName)
	return b
}

// v2 reads a CLIP v2 resource list from the emulator, as a user curls it.
func (b *streamBridge) v2(t *testing.T, rtype string, v any) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // curl -k: the test's look, not huegate's
	getJSON(t, client, b.emu.URL+"/clip/v2/resource/"+rtype, b.emu.Key, v)
}

type areaView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	Streamer *struct {
		RID string `json:"rid"`
	} `json:"active_streamer"`
}

func (b *streamBridge) areas(t *testing.T) []areaView {
	t.Helper()
	var body struct{ Data []areaView }
	b.v2(t, "entertainment_configuration", &body)
	return body.Data
}

func (b *streamBridge) areaID(t *testing.T, name string) string {
	t.Helper()
	for _, a := range b.areas(t) {
		if a.Name == name {
			return a.ID
		}
	}
	t.Fatalf("no entertainment area %q on the bridge", name)
	return ""
}

// status is the TV area's status: active or inactive.
func (b *streamBridge) status(t *testing.T) string {
	t.Helper()
	for _, a := range b.areas(t) {
		if a.ID == b.area {
			return a.Status
		}
	}
	t.Fatalf("area %s is gone", b.area)
	return ""
}

// lightState is a light's v1 state as the emulator's REST API shows it.
type lightState struct {
	On  bool `json:"on"`
	Bri int  `json:"bri"`
}

func (b *streamBridge) light(t *testing.T, id string) lightState {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: wait}).Get(b.emu.URL + "/api/" + b.emu.Key + "/lights/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var l struct{ State lightState }
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatalf("light %s: %v: %s", id, err, data)
	}
	return l.State
}

// waitLights polls the REST API until every TV light is on at bri.
func (b *streamBridge) waitLights(t *testing.T, bri int) {
	t.Helper()
	for _, id := range tvLights {
		pollUntil(t, fmt.Sprintf("light %s on at bri %d", id, bri), func() bool {
			l := b.light(t, id)
			return l.On && l.Bri == bri
		})
	}
}

// waitStatus polls until the TV area has status.
func (b *streamBridge) waitStatus(t *testing.T, status string) {
	t.Helper()
	pollUntil(t, "the TV area "+status, func() bool { return b.status(t) == status })
}

// pollUntil polls cond every 20 ms until it holds, or fails after wait.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", wait, what)
		}
		<-tick.C
	}
}

// frame is one line of the emulator's --frame-log.
type frame struct {
	Time     time.Time `json:"time"`
	Area     string    `json:"area"`
	Seq      int       `json:"seq"`
	Space    string    `json:"space"`
	Channels []struct {
		ID  int     `json:"id"`
		X   float64 `json:"x"`
		Y   float64 `json:"y"`
		Bri float64 `json:"bri"`
	} `json:"channels"`
}

// frameLog reads the complete lines of the frame log.
func (b *streamBridge) frameLog(t *testing.T) []frame {
	t.Helper()
	data, err := os.ReadFile(b.frames)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []frame
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		var f frame
		if json.Unmarshal(sc.Bytes(), &f) == nil { // the last line may be half written
			out = append(out, f)
		}
	}
	return out
}

// waitFrame polls the frame log until a frame since from shows every
// channel at brightness bri (of 254), and returns the log then.
func (b *streamBridge) waitFrame(t *testing.T, from time.Time, bri int) []frame {
	t.Helper()
	var fs []frame
	defer func() {
		if t.Failed() && len(fs) > 0 {
			t.Logf("%d frames; the last: %+v", len(fs), fs[len(fs)-1])
		}
	}()
	pollUntil(t, fmt.Sprintf("a frame at brightness %d/254", bri), func() bool {
		fs = b.frameLog(t)
		for _, f := range fs {
			if !f.Time.Before(from) && showsBri(f, bri) {
				return true
			}
		}
		return false
	})
	return fs
}

// showsBri says whether every channel of f, one per light, is at bri (of
// 254): its level in 0..1 is bri on the lights' 254 steps.
func showsBri(f frame, bri int) bool {
	if len(f.Channels) != len(tvLights) {
		return false
	}
	for _, ch := range f.Channels {
		if int(math.Round(ch.Bri*254)) != bri {
			return false
		}
	}
	return true
}

// emuEvent matches the emulator's log line msg for the TV area (or a
// session, without area) by streamer.
func (b *streamBridge) emuEvent(msg, streamer string) func(logLine) bool {
	return func(l logLine) bool {
		return l.str("message") == msg && l.str("streamer") == streamer && (l.str("area") == "" || l.str("area") == b.area)
	}
}

// streamRun is huegate, configured to stream home/tv to the TV area.
type streamRun struct {
	b         *streamBridge
	broker    *mqtttest.Broker
	status    *mqtttest.Recorder
	cfg       string
	clientKey string     // "" when not paired
	procs     []*process // every huegate run and pair, to check what they print
}

// newStreamRun writes huegate's config, and pairs when pair is set, as a
// user does: the config first, then `huegate pair` adds the keys to it.
func newStreamRun(t *testing.T, b *streamBridge, idle string, pair bool) *streamRun {
	t.Helper()
	needTools(t)
	w := &streamRun{b: b, broker: mqtttest.StartMosquitto(t), cfg: filepath.Join(t.TempDir(), "config.yaml")}
	bridge := fmt.Sprintf("  ca_file: %q\n  stream_port: %s\n", b.emu.CAFile, b.streamPort)
	if !pair {
		bridge = fmt.Sprintf("  host: %q\n  username: %q\n", b.host, b.emu.Key) + bridge
	}
	content := fmt.Sprintf("bridge:\n%smqtt:\n  broker: %q\n  client_id: huegate-stream\nhttp:\n  listen: \"\"\nmappings:\n  - {topic: %s, stream: %s, stream_idle: %s}\n",
		bridge, w.broker.URL, tvTopic, tvName, idle)
	if err := os.WriteFile(w.cfg, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if pair {
		w.pair(t)
	}
	w.status = mqtttest.Subscribe(t, w.broker.URL, "huegate/status")
	t.Cleanup(func() { w.checkNoClientKey(t) })
	return w
}

func (w *streamRun) pair(t *testing.T) {
	t.Helper()
	p := huegate(t, "pair", "--host", w.b.host, "--config", w.cfg)
	w.procs = append(w.procs, p)
	if code := p.exitCode(t, wait); code != 0 {
		t.Fatalf("pair: exit %d", code)
	}
	data, err := os.ReadFile(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^  clientkey: "([0-9A-Fa-f]{32})"$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("pair wrote no clientkey:\n%s", data)
	}
	w.clientKey = string(m[1])
}

// start runs `huegate run` and waits until it is online.
func (w *streamRun) start(t *testing.T) *process {
	t.Helper()
	t0 := time.Now()
	p := huegate(t, "run", "--config", w.cfg, "--log-format", "json")
	w.procs = append(w.procs, p)
	w.status.WaitFor(t, wait, after(t0, payloadIs("huegate/status", "online")))
	return p
}

// publish sends each value to home/tv, in order.
func (w *streamRun) publish(t *testing.T, values ...int) {
	t.Helper()
	w.slide(t, 0, values...)
}

// slide sends each value to home/tv, one every every, as a hand moves a
// slider.
func (w *streamRun) slide(t *testing.T, every time.Duration, values ...int) {
	t.Helper()
	pub := mqtttest.NewPublisher(t, w.broker.URL)
	var pace <-chan time.Time
	if every > 0 {
		tick := time.NewTicker(every)
		defer tick.Stop()
		pace = tick.C
	}
	for i, v := range values {
		if i > 0 && pace != nil {
			<-pace // the pace of the hand, not a wait for huegate
		}
		pub.Publish(tvTopic, []byte(strconv.Itoa(v)), 1, false)
	}
}

// me is huegate's application id, as the bridge shows who streams.
func (w *streamRun) me() string { return hueemu.ApplicationID(w.b.emu.Key) }

// checkNoClientKey: the client key is a secret; no huegate process
// prints it.
func (w *streamRun) checkNoClientKey(t *testing.T) {
	if w.clientKey == "" {
		return
	}
	for _, p := range w.procs {
		if strings.Contains(strings.ToUpper(p.stdout.String()+p.stderr.String()), strings.ToUpper(w.clientKey)) {
			t.Errorf("huegate %s printed the client key", p.cmd.Args[1])
		}
	}
}

// lightPuts are the REST commands to the TV lights from position from on.
func (b *streamBridge) lightPuts(from int) []bridgeRequest {
	var out []bridgeRequest
	for _, id := range tvLights {
		out = append(out, b.bridge.putsTo(from, "/lights/"+id+"/state")...)
	}
	return out
}

// waitLightPuts waits for a REST command with bri to each TV light from
// position from on.
func (b *streamBridge) waitLightPuts(t *testing.T, from, bri int) {
	t.Helper()
	for _, id := range tvLights {
		b.bridge.waitFor(t, from, fmt.Sprintf("to light %s with bri %d", id, bri), func(r bridgeRequest) bool {
			return r.Method == http.MethodPut && r.Path == b.bridge.api("/lights/"+id+"/state") && fieldsMatch(r.Body, map[string]any{"bri": bri})
		})
	}
}

// stopAt waits for a stop of the TV area from position from on, and
// returns its position.
func (b *streamBridge) stopAt(t *testing.T, from int) int {
	t.Helper()
	return b.bridge.waitFor(t, from, "stopping the TV area", func(r bridgeRequest) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/entertainment_configuration/"+b.area) && jsonEqual(r.Body, []byte(`{"action":"stop"}`))
	})
}

// areaRequests are the starts and stops of the TV area that reached the
// bridge, in order, from position from on.
func (b *streamBridge) areaRequests(from int) []string {
	var out []string
	for _, r := range b.bridge.since(from) {
		if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/entertainment_configuration/"+b.area) {
			var a struct{ Action string }
			_ = json.Unmarshal(r.Body, &a)
			out = append(out, a.Action)
		}
	}
	return out
}

// The first value starts the area; frames follow at a steady rate while
// values change, the newest value in the last; no REST command reaches
// the lights meanwhile. After stream_idle huegate stops the area itself,
// and each light gets the final value once over REST, and keeps it.
func TestStreamStartsStreamsAndHandsBackAfterIdle(t *testing.T) {
	t.Parallel()
	b := startStreamBridge(t)
	w := newStreamRun(t, b, "1s", true)
	w.start(t)
	from, t0 := b.bridge.mark(), time.Now()
	values := []int{20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220}
	w.slide(t, 100*time.Millisecond, values...) // a second of changes
	final := values[len(values)-1]
	b.waitFrame(t, t0, final)
	b.emu.p.stderr.waitLog(t, "area started by huegate", 1, b.emuEvent("entertainment area started", w.me()))
	stopped := b.emu.p.stderr.waitLog(t, "area stopped by huegate", 1, b.emuEvent("entertainment area stopped", w.me()))
	if r := stopped[0].str("reason"); r != hueemu.StopAsked {
		t.Errorf("the area stopped for %q, want huegate's stop (%q)", r, hueemu.StopAsked)
	}
	b.waitStatus(t, "inactive")
	b.waitLights(t, final)

	checkSteadyFrames(t, b.frameLog(t), b.area, final)
	// REST only after the stop, once per light, with the final value.
	if got := b.areaRequests(from); len(got) != 2 || got[0] != "start" || got[1] != "stop" {
		t.Errorf("area requests %v, want [start stop]", got)
	}
	stop := b.stopAt(t, from)
	if early := b.lightPuts(from); len(b.lightPuts(stop)) != len(early) {
		t.Errorf("REST commands to the lights while streaming: %v", early)
	}
	b.waitLightPuts(t, stop, final)
	if puts := b.lightPuts(stop); len(puts) != len(tvLights) {
		t.Errorf("%d REST commands after the stop, want one per light: %v", len(puts), puts)
	}
}

// checkSteadyFrames: every frame is for the area, frames come at least
// every 300 ms from the first to the last (huegate sends ~50 a second
// while values change and for a second after: two seconds here), at least
// 50 of them, their brightness never goes back (the values rise: newest
// value only, never a backlog), and the last shows the final value.
func checkSteadyFrames(t *testing.T, fs []frame, area string, final int) {
	t.Helper()
	if len(fs) < 50 {
		t.Errorf("%d frames, want at least 50 (two seconds at 50 a second)", len(fs))
	}
	for i, f := range fs {
		if f.Area != area || f.Space != "xyb" {
			t.Fatalf("frame %d: %+v, want xy+brightness for area %s", i, f, area)
		}
		if i == 0 || len(f.Channels) == 0 || len(fs[i-1].Channels) == 0 {
			continue
		}
		if gap := f.Time.Sub(fs[i-1].Time); gap > 300*time.Millisecond {
			t.Errorf("%v without a frame before frame %d of %d", gap, i, len(fs))
		}
		if f.Channels[0].Bri < fs[i-1].Channels[0].Bri {
			t.Errorf("frame %d went back from brightness %v to %v", i, fs[i-1].Channels[0].Bri, f.Channels[0].Bri)
		}
	}
	if len(fs) == 0 {
		return
	}
	if last := fs[len(fs)-1]; !showsBri(last, final) {
		t.Errorf("the last frame %+v, want every channel at %d/254", last, final)
	}
}

// Whenever the area cannot stream, huegate logs one line that names the
// cause and the fix, and the values go over REST.
func TestStreamFallsBackToREST(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		knobs []string
		pair  bool
		cause string
		fix   string
	}{
		{"in use", []string{"--stream-in-use"}, true, "in use by another application", "stop its stream there"},
		{"no handshake", []string{"--stream-no-handshake"}, true, "DTLS handshake", "bridge.stream_port"},
		{"no client key", nil, false, "bridge.clientkey is empty", "pair again with `huegate pair`"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := startStreamBridge(t, c.knobs...)
			w := newStreamRun(t, b, "1s", c.pair)
			run := w.start(t)
			from := b.bridge.mark()
			w.publish(t, 200)
			b.waitLightPuts(t, from, 200)
			w.publish(t, 201) // goes over REST too, and logs nothing more
			b.waitLightPuts(t, from, 201)
			if c.name != "in use" { // the other application's stream hides REST from the lights
				b.waitLights(t, 201)
			}
			lines := filterLog(run.stderr.logLines(), func(l logLine) bool { return l.str("message") == cantLine })
			if len(lines) != 1 || lines[0].str("level") != "warn" || lines[0].str("area") != tvName ||
				!strings.Contains(lines[0].str("error"), c.cause) || !strings.Contains(lines[0].str("error"), c.fix) {
				t.Errorf("want one warning %q for %s naming %q and %q; got %v", cantLine, tvName, c.cause, c.fix, lines)
			}
			if fs := b.frameLog(t); len(fs) != 0 {
				t.Errorf("frames reached the bridge: %d", len(fs))
			}
			if c.name != "in use" {
				// Started for the handshake, the area is stopped again.
				b.waitStatus(t, "inactive")
			}
		})
	}
}

// huegate killed while it streams leaves the area active for its key; the
// next huegate takes the area over (frames resume, no fallback) and stops
// it after idle.
func TestStreamRestartTakesTheAreaOver(t *testing.T) {
	t.Parallel()
	b := startStreamBridge(t)
	w := newStreamRun(t, b, "1s", true)
	first := w.start(t)
	w.publish(t, 50)
	b.waitFrame(t, time.Time{}, 50)
	first.signal(t, syscall.SIGKILL)
	first.exitCode(t, wait)
	if s := b.status(t); s != "active" {
		t.Fatalf("the area is %s after the kill, want still active (nobody stopped it)", s)
	}

	second := w.start(t)
	t0 := time.Now()
	w.publish(t, 90, 130)
	b.waitFrame(t, t0, 130)
	b.emu.p.stderr.waitLog(t, "a session for huegate's second run", 2, b.emuEvent("stream session opened", w.me()))
	stopped := b.emu.p.stderr.waitLog(t, "the area stopped by huegate", 1, b.emuEvent("entertainment area stopped", w.me()))
	if r := stopped[0].str("reason"); r != hueemu.StopAsked {
		t.Errorf("the area stopped for %q, want huegate's stop", r)
	}
	b.waitStatus(t, "inactive")
	b.waitLights(t, 130)
	if lines := filterLog(second.stderr.logLines(), func(l logLine) bool { return strings.Contains(l.str("message"), "stream") && l.str("level") == "warn" }); len(lines) != 0 {
		t.Errorf("the second run did not take the area over cleanly: %v", lines)
	}
}

// SIGTERM while streaming stops the area, the lights keep the final value
// and huegate exits 0.
func TestStreamStopsTheAreaOnSIGTERM(t *testing.T) {
	t.Parallel()
	b := startStreamBridge(t)
	w := newStreamRun(t, b, "1m", true) // only the stop can end it within the test
	run := w.start(t)
	from := b.bridge.mark()
	w.publish(t, 77)
	b.waitFrame(t, time.Time{}, 77)
	run.signal(t, syscall.SIGTERM)
	if code := run.exitCode(t, wait); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if s := b.status(t); s != "inactive" {
		t.Errorf("the area is %s once huegate exited, want inactive", s)
	}
	b.emu.p.stderr.waitLog(t, "the area stopped by huegate", 1, b.emuEvent("entertainment area stopped", w.me()))
	stopped := filterLog(b.emu.p.stderr.logLines(), b.emuEvent("entertainment area stopped", w.me()))
	if len(stopped) != 1 || stopped[0].str("reason") != hueemu.StopAsked {
		t.Errorf("area stops by huegate: %v, want one, asked", stopped)
	}
	b.waitLights(t, 77)
	// The bridge's state shows what the lights show: the final value went
	// over REST after the stop, once per light.
	stop := b.stopAt(t, from)
	b.waitLightPuts(t, stop, 77)
	if puts := b.lightPuts(from); len(puts) != len(tvLights) {
		t.Errorf("%d REST commands to the lights, want one per light after the stop: %v", len(puts), puts)
	}
}
