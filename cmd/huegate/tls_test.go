package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

// huegate over MQTT with TLS: the broker's certificate checked against
// mqtt.ca_file, a client certificate, and a username and password, all
// from the config (the password from the environment).
func TestRunOverTLSWithAClientCertificateAndAPassword(t *testing.T) {
	t.Parallel()
	const user, password = "huegate", "tls-Pa55word"
	pki := mqtttest.NewPKI(t)
	port := mqtttest.FreePort(t)
	conf := append(pki.Listener(port, true), "allow_anonymous false", "password_file "+mqtttest.PasswordFile(t, user, password))
	mqtttest.StartMosquitto(t, conf...)
	brokerURL := fmt.Sprintf("mqtts://127.0.0.1:%d", port)
	bridge := huetest.NewServer(t, fixturePath)
	observer := tlsClient(t, brokerURL, pki, user, password)
	statuses := observer.subscribe(t, "huegate/status")

	cfg := configFile(t, simpleConfig(bridge.URL, brokerURL, "", fmt.Sprintf(`  username: %s
  ca_file: %s
  cert_file: %s
  key_file: %s`, user, pki.CA, pki.ClientCert, pki.ClientKey)))
	p := startHuegate(t, []string{"HUEGATE_BRIDGE_USERNAME=" + bridge.Bridge.Key(), "HUEGATE_MQTT_PASSWORD=" + password}, "run", "--config", cfg)
	statuses.waitFor(t, "online")
	if err := observer.c.Publish("lights", []byte("88"), false); err != nil {
		t.Fatal(err)
	}
	waitBridge(t, bridge.Bridge, 88, "3", "5")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	statuses.waitFor(t, "offline")

	// Without mqtt.ca_file the broker's certificate is checked against the
	// system's roots, which do not know this CA: no connection, and the log
	// says why. Nothing skips the check unless insecure_skip_verify is set.
	noCA := configFile(t, simpleConfig(bridge.URL, fmt.Sprintf("ssl://127.0.0.1:%d", port), "", fmt.Sprintf(`  username: %s
  cert_file: %s
  key_file: %s`, user, pki.ClientCert, pki.ClientKey)))
	p = startHuegate(t, []string{"HUEGATE_BRIDGE_USERNAME=" + bridge.Bridge.Key(), "HUEGATE_MQTT_PASSWORD=" + password}, "run", "--config", noCA)
	p.waitOutput(t, "certificate signed by unknown authority", 10*time.Second)
	if p.lines("mqtt connected") > 0 {
		t.Fatal("connected to a broker whose certificate nobody vouches for")
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 10*time.Second)
}

// A bridge served over https: with bridge.cert_sha256 set to its
// certificate it works; with any other pin, or none, huegate refuses it at
// once with an error that says what happened and what to do, instead of
// retrying a handshake that can never pass.
func TestRunTrustsOnlyThePinnedBridgeCertificate(t *testing.T) {
	t.Parallel()
	b, err := emulator.Load(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(b)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	broker := mqtttest.StartMosquitto(t)
	env := []string{"HUEGATE_BRIDGE_USERNAME=" + b.Key()}
	run := func(pin string) *process {
		return startHuegate(t, env, "run", "--config", configFile(t, simpleConfig(srv.URL, broker.URL, "  cert_sha256: "+pin)))
	}

	for _, tt := range []struct{ pin, want string }{
		{hue.Fingerprint([]byte("a different certificate")), "does not match bridge.cert_sha256"},
		{`""`, "self-signed certificate"}, // no pin: no Hue root vouches for a self-signed bridge
	} {
		start := time.Now()
		p := run(tt.pin)
		if code := p.wait(t, 10*time.Second); code == 0 {
			t.Fatalf("pin %s: huegate ran against a bridge whose certificate it cannot trust", tt.pin)
		}
		p.waitOutput(t, tt.want, time.Second)
		t.Logf("pin %s: refused in %v", tt.pin, time.Since(start).Round(time.Millisecond))
	}

	status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	p := run(hue.Fingerprint(srv.Certificate().Raw))
	status.WaitFor(t, 15*time.Second, isPayload("online"))
	mqtttest.Publish(t, broker.URL, "lights", []byte("55"), false)
	waitBridge(t, b, 55, "3", "5")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// mqttObserver is huegate's own MQTT client used from the outside, for a
// broker that wants TLS and a password.
type mqttObserver struct{ c *mqtt.Client }

func tlsClient(t *testing.T, brokerURL string, pki mqtttest.PKI, user, password string) *mqttObserver {
	t.Helper()
	tlsCfg, err := mqtt.TLSConfig(pki.CA, pki.ClientCert, pki.ClientKey, false)
	if err != nil {
		t.Fatal(err)
	}
	return authClient(t, brokerURL, user, password, tlsCfg)
}

func authClient(t *testing.T, brokerURL, user, password string, tlsCfg *tls.Config) *mqttObserver {
	t.Helper()
	c, err := mqtt.New(mqtt.Options{Broker: brokerURL, ClientID: "observer-" + t.Name(), Username: user, Password: password,
		QoS: 1, TLS: tlsCfg, Logger: zerolog.Nop(), ConnectRetryInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(time.Second) })
	return &mqttObserver{c: c}
}

// subscribe connects and records the payloads published to topic.
func (o *mqttObserver) subscribe(t *testing.T, topic string) *payloads {
	t.Helper()
	p := &payloads{changed: make(chan struct{})}
	if err := o.c.Subscribe(t.Context(), p.add, topic); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	return p
}

type payloads struct {
	mu      sync.Mutex
	seen    []string
	changed chan struct{}
}

func (p *payloads) add(m mqtt.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, string(m.Payload))
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *payloads) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		p.mu.Lock()
		seen, changed := p.seen, p.changed
		p.mu.Unlock()
		if len(seen) > 0 && seen[len(seen)-1] == want {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("never saw %q; saw %q", want, seen)
		}
	}
}
