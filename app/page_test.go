package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// pageMappings maps the shared topic "lights" (a 10-bit dimmer) to the
// desk lamp and spot 1.
const pageMappings = "mappings:\n  - {topic: lights, lights: [\"Desk lamp\", \"Spot #1\"], range: [0, 1023], transition: 0s}\n"

// pageConn is a client of the control page's WebSocket, as the page's
// script is: it keeps the newest payload of every topic.
type pageConn struct {
	conn *websocket.Conn
	mu   sync.Mutex
	got  map[string]string
	all  []string // every topic in arrival order
	done chan struct{}
}

func dialPage(t *testing.T, httpURL string, header http.Header) *pageConn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(strings.Replace(httpURL, "http", "ws", 1)+"/ws", header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("page socket: %v (HTTP %d)", err, status)
	}
	p := &pageConn{conn: conn, got: map[string]string{}, done: make(chan struct{})}
	go p.read()
	t.Cleanup(func() {
		_ = conn.Close()
		<-p.done
	})
	return p
}

func (p *pageConn) read() {
	defer close(p.done)
	for {
		var m struct{ Topic, Payload string }
		if err := p.conn.ReadJSON(&m); err != nil {
			return
		}
		p.mu.Lock()
		p.got[m.Topic] = m.Payload
		p.all = append(p.all, m.Topic)
		p.mu.Unlock()
	}
}

func (p *pageConn) payload(topic string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.got[topic]
	return v, ok
}

// waitFor waits until topic's newest payload satisfies ok, and returns it.
func (p *pageConn) waitFor(t *testing.T, topic string, ok func(string) bool) string {
	t.Helper()
	var last string
	testkit.Eventually(t, 5*time.Second, "page gets "+topic, func() bool {
		var seen bool
		last, seen = p.payload(topic)
		return seen && ok(last)
	})
	return last
}

func (p *pageConn) send(t *testing.T, topic, payload string) {
	t.Helper()
	if err := p.conn.WriteJSON(map[string]string{"topic": topic, "payload": payload}); err != nil {
		t.Fatal(err)
	}
}

func has(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

// The page is told the mappings, the bridge's lights, groups and scenes
// with their topics, every state huegate published, and the broker and
// bridge connections; a page opened later gets all of it at once.
func TestPageGetsMappingsInventoryAndStatesOnOpen(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 100*time.Millisecond, pageMappings)
	p := dialPage(t, s.httpURL, nil)
	p.waitFor(t, "$huegate/mappings", has(`"topic":"lights","min":0,"max":1023,"lights":["Desk lamp","Spot #1"]`))
	inv := p.waitFor(t, "$huegate/inventory", has(`"name":"Relax"`))
	for _, want := range []string{`"state_topic":"huegate/lights/desk-lamp/state"`, `"set_topic":"huegate/groups/living-room/set"`,
		`"color_modes":["color_temp","xy"]`, `"status_topic":"huegate/bridge/status"`} {
		if !strings.Contains(inv, want) {
			t.Errorf("inventory lacks %s:\n%s", want, inv)
		}
	}
	if strings.Contains(inv, s.bridge.Bridge.Key()) || strings.Contains(inv, "127.0.0.1") {
		t.Errorf("inventory names the bridge's key or address:\n%s", inv)
	}
	p.waitFor(t, "huegate/lights/desk-lamp/state", has(`"name":"Desk lamp"`))
	p.waitFor(t, "huegate/bridge/status", has("online"))
	p.waitFor(t, "$huegate/broker", has("online"))
	p.mu.Lock()
	first := p.all[0]
	p.mu.Unlock()
	if !strings.HasPrefix(first, "$huegate/") {
		t.Errorf("first message is %q; the page's own topics come first", first)
	}
}

// A value the page sends on a shared topic is a retained MQTT publish:
// another client of the topic gets it, the lights follow through the
// slots, and a second page sees it.
func TestPageValueIsAnMQTTPublishEveryClientSees(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 100*time.Millisecond, pageMappings)
	other := mqtttest.Subscribe(t, s.broker.URL, "lights")
	a, b := dialPage(t, s.httpURL, nil), dialPage(t, s.httpURL, nil)
	a.waitFor(t, "$huegate/broker", has("online"))
	a.send(t, "lights", "512")
	m := other.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "512" })
	if !m.Retained {
		// A subscriber already there gets a live copy with the flag cleared;
		// one that subscribes now gets the stored value.
		late := mqtttest.Subscribe(t, s.broker.URL, "lights")
		late.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "512" && m.Retained })
	}
	for _, id := range []string{"3", "5"} {
		waitLight(t, s.bridge.Bridge, id, func(l emulator.LightState) bool { return l.On && l.Bri == 127 })
	}
	b.waitFor(t, "lights", func(v string) bool { return v == "512" })
	mqtttest.Publish(t, s.broker.URL, "lights", []byte("100"), false)
	a.waitFor(t, "lights", func(v string) bool { return v == "100" })
}

// Commands on a light's or group's set topic go out unretained and reach
// the bridge; anything else the page sends is refused with a reason and
// never published.
func TestPageSendsCommandsAndNothingElse(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 100*time.Millisecond, pageMappings)
	all := mqtttest.Subscribe(t, s.broker.URL, "#")
	p := dialPage(t, s.httpURL, nil)
	p.waitFor(t, "$huegate/inventory", has("desk-lamp"))
	p.send(t, "huegate/status", "offline")
	p.waitFor(t, "$huegate/error", has(`not a mapped topic or a set topic: "huegate/status"`))
	p.send(t, "lights", strings.Repeat("1", 2000))
	p.waitFor(t, "$huegate/error", has("larger than 1 KiB"))
	p.send(t, "lights", "banana")
	p.waitFor(t, "$huegate/error", has(`not sent to "lights": payload is not a number`))
	p.send(t, "huegate/lights/desk-lamp/set", `{"brigthness":3}`)
	p.waitFor(t, "$huegate/error", has(`not sent to "huegate/lights/desk-lamp/set"`))
	if err := p.conn.WriteMessage(websocket.TextMessage, []byte("junk")); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, "$huegate/error", has("not a {"))
	p.send(t, "huegate/lights/desk-lamp/set", `{"brightness":42,"transition":0}`)
	waitLight(t, s.bridge.Bridge, "3", func(l emulator.LightState) bool { return l.On && l.Bri == 42 })
	p.send(t, "huegate/groups/living-room/set", `{"scene":"R3laxLivingRm01"}`)
	testkit.Eventually(t, 5*time.Second, "scene recalled", func() bool {
		for _, c := range s.bridge.Bridge.Commands() {
			if strings.Contains(c.Path, "/groups/1/action") && strings.Contains(string(c.Body), "R3laxLivingRm01") {
				return true
			}
		}
		return false
	})
	for _, m := range all.Messages() {
		switch {
		case m.Topic == "huegate/status" && string(m.Payload) == "offline",
			m.Topic == "lights":
			t.Errorf("refused message was published: %s", m)
		case m.Topic == "huegate/lights/desk-lamp/set" && (m.Retained || strings.Contains(string(m.Payload), "brigthness")):
			t.Errorf("command published retained, or a refused one published: %s", m)
		}
	}
}

// While huegate has lost the broker the page says so, refuses to send,
// and still shows the bridge's state; when the broker is back, so is the
// page.
func TestPageShowsTheBrokerGoingAndComing(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 100*time.Millisecond, pageMappings)
	p := dialPage(t, s.httpURL, nil)
	p.waitFor(t, "$huegate/broker", has("online"))
	s.broker.Kill()
	p.waitFor(t, "$huegate/broker", has("offline"))
	p.send(t, "lights", "300")
	p.waitFor(t, "$huegate/error", has("not connected to the broker"))
	if err := s.bridge.Bridge.SetLightState("5", map[string]any{"bri": 33}); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, "huegate/lights/spot-1/state", has(`"bri":33`))
	s.broker.Restart()
	p.waitFor(t, "$huegate/broker", has("online"))
}

// A browser on another site cannot open the socket (its Origin is not
// huegate's), and a name that was made to point at 127.0.0.1 (DNS
// rebinding) gets neither the page nor the socket.
func TestPageRefusesOtherSites(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), time.Hour, pageMappings)
	ws := strings.Replace(s.httpURL, "http", "ws", 1) + "/ws"
	for _, origin := range []string{"http://evil.example.com", "null", "http://127.0.0.1:1"} {
		_, resp, err := websocket.DefaultDialer.Dial(ws, http.Header{"Origin": {origin}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("Origin %s: got %v, %v; want 403", origin, resp, err)
		}
	}
	same := dialPage(t, s.httpURL, http.Header{"Origin": {s.httpURL}})
	same.waitFor(t, "$huegate/broker", has("online"))

	for _, path := range []string{"/", "/ws"} {
		req, _ := http.NewRequest(http.MethodGet, s.httpURL+path, nil)
		req.Host = "evil.example.com:8081"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s with Host evil.example.com: %d, want 403", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/", "/assets/app.js"} {
		resp, err := http.Get(s.httpURL + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || resp.StatusCode != 200 {
			t.Errorf("%s: %d, CSP %q", path, resp.StatusCode, csp)
		}
	}
}

// With http.auth_token the page and the socket need it: no token or a
// wrong one gets a 401 and nothing else; the token in the address once
// leaves a cookie that opens both, and the token is never sent back.
func TestPageNeedsTheTokenWhenOneIsSet(t *testing.T) {
	const token = "page-token-0123456789"
	s := startHuegateHTTP(t, mqtttest.StartMosquitto(t), time.Hour, "  auth_token: "+token+"\n", pageMappings)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, h http.Header) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, s.httpURL+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp
	}
	for _, c := range []struct {
		path string
		h    http.Header
	}{{"/", nil}, {"/?token=wrong-token-0000", nil}, {"/", http.Header{"Authorization": {"Bearer wrong"}}},
		{"/", http.Header{"Cookie": {"huegate_page=" + token}}}} {
		if r := get(c.path, c.h); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s %v: %d, want 401", c.path, c.h, r.StatusCode)
		}
	}
	for _, h := range []http.Header{nil, {"Authorization": {"Bearer nope"}}} {
		_, resp, err := websocket.DefaultDialer.Dial(strings.Replace(s.httpURL, "http", "ws", 1)+"/ws", h)
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("socket with %v: %v %v; want 401", h, resp, err)
		}
	}
	login := get("/?token="+token, nil)
	cookie := login.Header.Get("Set-Cookie")
	if login.StatusCode != http.StatusSeeOther || login.Header.Get("Location") != "/" || !strings.Contains(cookie, "HttpOnly") {
		t.Fatalf("login: %d %q %q", login.StatusCode, login.Header.Get("Location"), cookie)
	}
	if strings.Contains(cookie, token) {
		t.Errorf("the cookie holds the token itself: %s", cookie)
	}
	value := strings.SplitN(strings.SplitN(cookie, ";", 2)[0], "=", 2)[1]
	if r := get("/", http.Header{"Cookie": {"huegate_page=" + value}}); r.StatusCode != http.StatusOK {
		t.Errorf("page with the cookie: %d", r.StatusCode)
	}
	p := dialPage(t, s.httpURL, http.Header{"Cookie": {"huegate_page=" + value}})
	p.waitFor(t, "$huegate/broker", has("online"))
	q := dialPage(t, s.httpURL, http.Header{"Authorization": {"Bearer " + token}})
	q.waitFor(t, "$huegate/broker", has("online"))
}

// The page's messages are JSON the page can read.
func TestPageMessagesAreTopicPayloadPairs(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), time.Hour, pageMappings)
	conn, _, err := websocket.DefaultDialer.Dial(strings.Replace(s.httpURL, "http", "ws", 1)+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, data, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || len(m) != 2 || m["topic"] == nil || m["payload"] == nil {
		t.Fatalf("first message %s: %v", data, err)
	}
}

// waitLight waits up to 5 s for the emulator's light to satisfy cond.
func waitLight(t *testing.T, b *emulator.Bridge, id string, cond func(emulator.LightState) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.WaitLight(ctx, id, cond); err != nil {
		t.Fatal(err)
	}
}

// Stopping huegate closes the pages that are open (their sockets are not
// the HTTP server's to close), so it never waits on a browser.
func TestStopClosesOpenPages(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), time.Hour, pageMappings)
	p := dialPage(t, s.httpURL, nil)
	p.waitFor(t, "$huegate/broker", has("online"))
	if err := s.app.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the page's socket is still open after Stop")
	}
}
