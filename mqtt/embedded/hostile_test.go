package embedded

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/gorilla/websocket"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

// These tests do what a hostile client or web page did to the built-in
// broker, and check it is refused, bounded or logged once.

var own = Own{ClientID: "huegate", Prefix: "huegate", DiscoveryPrefix: "homeassistant"}

// wsHandshake opens the broker's WebSocket as a browser on origin would,
// and returns the HTTP status (101 when it was let in).
func wsHandshake(t *testing.T, b *Broker, origin string) int {
	t.Helper()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	d := websocket.Dialer{Subprotocols: []string{"mqtt"}, HandshakeTimeout: wait}
	c, resp, err := d.Dial("ws://"+b.WSAddr()+"/mqtt", h)
	if err == nil {
		c.Close()
	}
	if resp == nil {
		t.Fatalf("handshake with Origin %q: %v", origin, err)
	}
	return resp.StatusCode
}

// A page on another site, open in the user's browser, cannot reach a
// loopback WebSocket listener; pages from this machine and configured
// origins can, and so can clients that are not browsers.
func TestAForeignPageCannotOpenTheWebSocket(t *testing.T) {
	b := start(t, Options{WSListen: "127.0.0.1:0", WSOrigins: []string{"http://192.168.1.20:8000"}, Own: own})
	for origin, want := range map[string]int{
		"http://evil.example.com":        http.StatusForbidden,
		"null":                           http.StatusForbidden,
		"https://127.0.0.1.evil.example": http.StatusForbidden,
		"http://192.168.1.20:8001":       http.StatusForbidden,
		"http://localhost:5500":          http.StatusSwitchingProtocols,
		"http://127.0.0.1:8081":          http.StatusSwitchingProtocols,
		"http://[::1]:3000":              http.StatusSwitchingProtocols,
		"http://192.168.1.20:8000":       http.StatusSwitchingProtocols,
		"":                               http.StatusSwitchingProtocols,
	} {
		if got := wsHandshake(t, b, origin); got != want {
			t.Errorf("Origin %q: HTTP %d, want %d", origin, got, want)
		}
	}
}

// With users, a browser must log in even on a loopback WebSocket listener
// (every page can reach one); other loopback clients need not.
func TestBrowsersLogInWhereUsersExist(t *testing.T) {
	b := start(t, Options{WSListen: "127.0.0.1:0", Users: []User{{Username: "slider", Password: "slider-pw-1"}}, Own: own})
	url := "ws://" + b.WSAddr() + "/mqtt"
	page := http.Header{"Origin": {"http://localhost:5500"}}
	if err := tryConnectWith(url, "", "", page); err == nil {
		t.Error("an anonymous page got in")
	}
	if err := tryConnectWith(url, "slider", "slider-pw-1", page); err != nil {
		t.Errorf("a page with a user's login was refused: %v", err)
	}
	if err := tryConnectWith(url, "", "", nil); err != nil {
		t.Errorf("a loopback client that is not a browser was refused: %v", err)
	}
}

// tryConnectWith is tryConnect as a browser page on h's Origin would.
func tryConnectWith(url, user, pass string, h http.Header) error {
	return probe(paho.NewClientOptions().AddBroker(url).SetClientID("probe-" + user).
		SetUsername(user).SetPassword(pass).SetHTTPHeaders(h))
}

// Only huegate's own client publishes its status, states and discovery
// configs: an anonymous client's spoofs (retained status offline, a fake
// state, a deleted Home Assistant config) leave what huegate published as
// it was. A client with huegate's client id, or a last will on its status,
// is refused, and huegate stays connected.
func TestOnlyHuegateSpeaksForHuegate(t *testing.T) {
	var logs testkit.Buffer
	b := start(t, Options{Own: own, Log: zerolog.New(&logs)})
	url := "tcp://" + b.Addr()
	huegate := newHuegateClient(t, b)
	const config = "homeassistant/light/huegate/0017880102030405/config"
	for topic, payload := range map[string]string{"huegate/bridge/status": "online", config: "{}"} {
		if err := huegate.Publish(topic, []byte(payload), true); err != nil {
			t.Fatal(err)
		}
	}
	mqtttest.Subscribe(t, url, config).WaitFor(t, wait, func(m mqtttest.Message) bool { return string(m.Payload) == "{}" })

	for _, qos := range []byte{0, 1} {
		for topic, payload := range map[string]string{
			"huegate/status": "offline", "huegate/bridge/status": "offline", "huegate": "x",
			"huegate/lights/desk-lamp/state": `{"on":false}`, config: "",
		} {
			spoof(url, topic, payload, qos)
		}
	}
	// Open to anyone: set commands, shared topics, Home Assistant's birth.
	pub := mqtttest.NewPublisher(t, url)
	for _, topic := range []string{"huegate/lights/desk-lamp/set", "homeassistant/status", "lights"} {
		pub.Publish(topic, []byte("ON"), 1, true)
	}

	late := mqtttest.Subscribe(t, url, "#")
	for topic, want := range map[string]string{"huegate/status": "online", "huegate/bridge/status": "online", config: "{}",
		"huegate/lights/desk-lamp/set": "ON", "homeassistant/status": "ON", "lights": "ON"} {
		late.WaitFor(t, wait, func(m mqtttest.Message) bool { return m.Topic == topic && string(m.Payload) == want })
	}
	for _, m := range late.Messages() {
		if m.Topic == "huegate" || m.Topic == "huegate/lights/desk-lamp/state" || string(m.Payload) == "offline" {
			t.Errorf("a spoof was kept: %s", m)
		}
	}

	if err := tryConnectID(url, "huegate", ""); err == nil {
		t.Error("a client took huegate's client id")
	}
	if err := tryConnectID(url, "prankster", "huegate/status"); err == nil {
		t.Error("a client got a last will on huegate/status")
	}
	if !huegate.Connected() {
		t.Error("huegate was disconnected")
	}
	if !strings.Contains(logs.String(), "client id") {
		t.Errorf("the takeover attempt was not logged:\n%s", logs.String())
	}
}

// spoof publishes as a client with no login would, and does not care what
// becomes of it: at QoS 1 the broker may close the connection.
func spoof(url, topic, payload string, qos byte) {
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("spoofer").SetProtocolVersion(4).
		SetConnectTimeout(wait).SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		return
	}
	c.Publish(topic, qos, true, payload).WaitTimeout(wait)
	c.Disconnect(100)
}

// tryConnectID connects with client id id and, unless "", a last will on
// willTopic.
func tryConnectID(url, id, willTopic string) error {
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id)
	if willTopic != "" {
		o.SetWill(willTopic, "offline", 1, true)
	}
	return probe(o)
}

// With users on a listener off loopback there is no other way in: huegate
// itself connects to that listener with a login made at start, and an
// anonymous client there is refused.
func TestNoListenerTakesAnonymousClientsBesideTheConfiguredOnes(t *testing.T) {
	defer func(f func(string, string) bool) { anonymousOK = f }(anonymousOK)
	anonymousOK = func(string, string) bool { return false } // as if every listener were off loopback
	b := start(t, Options{Users: []User{{Username: "dimmer", Password: "dimmer-pw-12"}}, Own: own})
	if got, want := b.ClientURL(), "tcp://"+b.Addr(); got != want {
		t.Fatalf("huegate connects to %s, not to the configured listener %s", got, want)
	}
	if err := tryConnect(b.ClientURL(), "", ""); err == nil {
		t.Fatal("an anonymous client got in where huegate connects")
	}
	if err := tryConnect(b.ClientURL(), ownUsername, "guess"); err == nil {
		t.Fatal("a client got in as huegate with a guessed password")
	}
	newHuegateClient(t, b)
}

// A listener holds at most maxConns connections: of 1,000 that never send
// CONNECT, those past the cap are closed at once.
func TestAListenerHoldsAtMostMaxConns(t *testing.T) {
	defer func(d time.Duration) { connectWait = d }(connectWait)
	connectWait = time.Minute // outlasts the flood and the counting
	b := start(t, Options{Own: own})
	conns := dialMany(t, b.Addr(), 1000)
	testkit.Eventually(t, wait, "connections past the cap refused", func() bool { return b.Refused() == 1000-maxConns })
	closedAtOnce := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) || isReset(err) {
			closedAtOnce++
		}
	}
	if closedAtOnce != 1000-maxConns {
		t.Errorf("%d connections were closed, want the %d past the cap", closedAtOnce, 1000-maxConns)
	}
	t.Logf("1000 silent connections: %d held (the cap), %d closed at once", 1000-closedAtOnce, closedAtOnce)
}

// A connection that does not send CONNECT within connectWait is closed:
// silent sockets leave no goroutine behind, and a real client still gets
// in.
func TestSilentConnectionsAreClosed(t *testing.T) {
	defer func(d time.Duration) { connectWait = d }(connectWait)
	connectWait = 300 * time.Millisecond
	b := start(t, Options{Own: own})
	before := runtime.NumGoroutine()
	conns := dialMany(t, b.Addr(), 200)
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(wait))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Fatalf("a silent connection was not closed by the broker: %v", err)
		}
	}
	testkit.Eventually(t, wait, "goroutines back to where they were", func() bool { return runtime.NumGoroutine() <= before+5 })
	if err := tryConnect("tcp://"+b.Addr(), "", ""); err != nil {
		t.Fatalf("a real client after the silent ones: %v", err)
	}
}

func dialMany(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	return conns
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "closed"))
}

// Guessing passwords is slow and quiet: after failBurst failures from one
// address its logins are refused unchecked, even the right password, until
// its budget refills; 3,000 bad logins leave a line or two in the log.
func TestPasswordGuessingIsSlowAndQuiet(t *testing.T) {
	defer func(f func(string, string) bool) { anonymousOK = f }(anonymousOK)
	anonymousOK = func(string, string) bool { return false }
	var logs testkit.Buffer
	b := start(t, Options{Users: []User{{Username: "dimmer", Password: "right-pw-123"}}, Own: own, Log: zerolog.New(&logs)})
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := range 750 {
				if rc := rawConnect(t, b.Addr(), "dimmer", "guess-"+string(rune('a'+i%26))); rc != 0 {
					codes[g]++
				}
			}
		})
	}
	wg.Wait()
	for g, n := range codes {
		if n != 750 {
			t.Errorf("goroutine %d: %d of 750 guesses refused", g, n)
		}
	}
	if rc := rawConnect(t, b.Addr(), "dimmer", "right-pw-123"); rc == 0 {
		t.Error("the right password went through right after 3,000 guesses; the address should wait")
	}
	lines := strings.Count(logs.String(), "refused a client")
	if lines > 3 {
		t.Errorf("%d log lines for 3,000 refusals, want at most 3:\n%s", lines, logs.String())
	}
	testkit.Eventually(t, 3*failEvery, "the right password works again", func() bool {
		return rawConnect(t, b.Addr(), "dimmer", "right-pw-123") == 0
	})
	t.Logf("3000 guesses refused, %d log lines", lines)
}

// rawConnect sends an MQTT 3.1.1 CONNECT with a login and returns the
// CONNACK's return code (0 accepted).
func rawConnect(t *testing.T, addr, user, pass string) int {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return -1
	}
	defer c.Close()
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	body := append([]byte{0, 4, 'M', 'Q', 'T', 'T', 4, 0xC2, 0, 30}, str("guesser")...)
	body = append(append(body, str(user)...), str(pass)...)
	pkt := append([]byte{0x10, byte(len(body))}, body...)
	if _, err := c.Write(pkt); err != nil {
		t.Error(err)
		return -1
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	ack := make([]byte, 4)
	if _, err := io.ReadFull(bufio.NewReader(c), ack); err != nil {
		return -2 // closed without an answer: refused too
	}
	return int(ack[3])
}
