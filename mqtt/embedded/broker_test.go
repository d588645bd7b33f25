package embedded

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

const wait = 10 * time.Second

func start(t *testing.T, o Options) *Broker {
	t.Helper()
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	b, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func TestPlainAndWebSocketClientsShareTopics(t *testing.T) {
	b := start(t, Options{WSListen: "127.0.0.1:0"})
	tcpURL, wsURL := "tcp://"+b.Addr(), "ws://"+b.WSAddr()+"/mqtt"

	overWS := mqtttest.Subscribe(t, wsURL, "lights")
	mqtttest.Publish(t, tcpURL, "lights", []byte("200"), false)
	overWS.WaitFor(t, wait, func(m mqtttest.Message) bool { return string(m.Payload) == "200" })

	overTCP := mqtttest.Subscribe(t, tcpURL, "lamp/knob")
	mqtttest.Publish(t, wsURL, "lamp/knob", []byte("1023"), false)
	overTCP.WaitFor(t, wait, func(m mqtttest.Message) bool { return string(m.Payload) == "1023" })
}

func TestHuegatesOwnClientConnectsLikeToAnyBroker(t *testing.T) {
	b := start(t, Options{})
	rec := mqtttest.Subscribe(t, "tcp://"+b.Addr(), "huegate/status")
	c := newHuegateClient(t, b)
	rec.WaitFor(t, wait, func(m mqtttest.Message) bool { return string(m.Payload) == "online" })
	if !c.Connected() {
		t.Fatal("huegate's client is not connected")
	}
}

func newHuegateClient(t *testing.T, b *Broker) *mqtt.Client {
	t.Helper()
	user, pass := b.ClientCredentials()
	c, err := mqtt.New(mqtt.Options{Broker: b.ClientURL(), ClientID: "huegate", Username: user, Password: pass, QoS: 1, StatusTopic: "huegate/status"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(2 * time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestANonLoopbackListenerWithoutUsersIsRefused(t *testing.T) {
	for _, o := range []Options{
		{Listen: "0.0.0.0:1883"},
		{Listen: ":1883"},
		{Listen: "127.0.0.1:0", WSListen: "0.0.0.0:9001"},
		{Listen: "mqtt.example:1883"},
	} {
		b, err := Start(o)
		if err == nil {
			b.Close()
			t.Fatalf("Start(%+v) accepted anonymous access off loopback", o)
		}
		if !strings.Contains(err.Error(), "needs users") {
			t.Errorf("Start(%+v) = %v, want it to say users are needed", o, err)
		}
	}
}

func TestLoopbackAddresses(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:1883": true, "127.1.2.3:1": true, "[::1]:1883": true, "localhost:1883": true,
		"0.0.0.0:1883": false, ":1883": false, "[::]:1883": false, "192.168.1.5:1883": false,
		"broker.lan:1883": false, "127.0.0.1": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %t, want %t", addr, got, want)
		}
	}
}

// A listener off loopback takes only configured users. The test keeps to
// loopback by telling the broker to treat its TCP listener as remote.
func TestARemoteListenerTakesOnlyUsersAndNeverLogsPasswords(t *testing.T) {
	defer func(f func(string, string) bool) { anonymousOK = f }(anonymousOK)
	anonymousOK = func(id, _ string) bool { return id != idTCP }
	var logs testkit.Buffer
	b := start(t, Options{
		Users: []User{{Username: "dimmer", Password: "s3cret-dimmer-pw"}},
		Log:   zerolog.New(&logs).Level(zerolog.DebugLevel),
	})
	url := "tcp://" + b.Addr()

	for _, c := range []struct{ user, pass string }{{"", ""}, {"dimmer", "wrong-pw-123"}, {"nobody", "s3cret-dimmer-pw"}} {
		if err := tryConnect(url, c.user, c.pass); err == nil {
			t.Errorf("user %q with password %q got in", c.user, c.pass)
		}
	}
	if err := tryConnect(url, "dimmer", "s3cret-dimmer-pw"); err != nil {
		t.Fatalf("configured user refused: %v", err)
	}
	// huegate itself still gets in, with the login the broker made for it.
	newHuegateClient(t, b)

	out := logs.String()
	if !strings.Contains(out, "refused a client") {
		t.Errorf("refusals were not logged:\n%s", out)
	}
	for _, secret := range []string{"s3cret-dimmer-pw", "wrong-pw-123", "nobody"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
}

func tryConnect(url, user, pass string) error {
	return probe(paho.NewClientOptions().AddBroker(url).SetClientID("probe-" + user).SetUsername(user).SetPassword(pass))
}

// probe connects once with o (MQTT 3.1.1, no reconnecting) and says
// whether the broker took it; it disconnects at once if so.
func probe(o *paho.ClientOptions) error {
	c := paho.NewClient(o.SetProtocolVersion(4).SetConnectTimeout(wait).SetAutoReconnect(false))
	tok := c.Connect()
	if !tok.WaitTimeout(wait) {
		return errors.New("no CONNACK")
	}
	if err := tok.Error(); err != nil {
		return err
	}
	c.Disconnect(100)
	return nil
}

func TestATakenPortIsAListenErrorAndLeavesNothingOpen(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free := freeAddr(t)

	for _, o := range []Options{
		{Listen: taken.Addr().String()},
		{Listen: free, WSListen: taken.Addr().String()},
	} {
		_, err := Start(o)
		var le *ListenError
		if !errors.As(err, &le) || !errors.Is(err, syscall.EADDRINUSE) || le.Addr != taken.Addr().String() {
			t.Fatalf("Start(%+v) = %v, want a ListenError for the taken port", o, err)
		}
	}
	// The TCP listener opened before the WebSocket one failed was closed.
	l, err := net.Listen("tcp", free)
	if err != nil {
		t.Fatalf("%s still held after a failed start: %v", free, err)
	}
	l.Close()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestCloseDisconnectsClients(t *testing.T) {
	b, err := Start(Options{Listen: "127.0.0.1:0", WSListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	lost := make(chan string, 2)
	for _, url := range []string{"tcp://" + b.Addr(), "ws://" + b.WSAddr()} {
		c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("c-" + url).SetAutoReconnect(false).
			SetConnectionLostHandler(func(paho.Client, error) { lost <- url }))
		if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
			t.Fatalf("connect %s: %v", url, tok.Error())
		}
		defer c.Disconnect(0)
	}
	b.Close()
	for range 2 {
		select {
		case <-lost:
		case <-time.After(wait):
			t.Fatal("a client was still connected after Close")
		}
	}
}
