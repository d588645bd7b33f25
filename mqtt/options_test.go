package mqtt_test

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/huegate/huegate/mqtt"
)

func TestNewRejectsInvalidOptions(t *testing.T) {
	valid := mqtt.Options{Broker: "tcp://127.0.0.1:1883", ClientID: "huegate"}
	tests := []struct {
		name    string
		edit    func(*mqtt.Options)
		wantErr string
	}{
		{"unknown scheme", func(o *mqtt.Options) { o.Broker = "http://127.0.0.1:1883" }, `scheme "http"`},
		{"no scheme", func(o *mqtt.Options) { o.Broker = "127.0.0.1:1883" }, "scheme"},
		{"no host", func(o *mqtt.Options) { o.Broker = "tcp://:1883" }, "no host"},
		{"unparsable URL", func(o *mqtt.Options) { o.Broker = "tcp://user:pw@[::1" }, "cannot be parsed"},
		{"qos 3", func(o *mqtt.Options) { o.QoS = 3 }, "qos 3"},
		{"empty client id", func(o *mqtt.Options) { o.ClientID = "" }, "client id"},
		{"client id not UTF-8", func(o *mqtt.Options) { o.ClientID = "\xff" }, "client id"},
		{"wildcard status topic", func(o *mqtt.Options) { o.StatusTopic = "huegate/+" }, "status topic"},
		{"TLS with tcp broker", func(o *mqtt.Options) { o.TLS = &tls.Config{} }, "unencrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := valid
			tt.edit(&opts)
			_, err := mqtt.New(opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewAcceptsEveryBrokerSchemeWithoutConnecting(t *testing.T) {
	for _, broker := range []string{
		"tcp://127.0.0.1:1", // nothing listens on port 1: New must not try
		"tcp://localhost",
		"ssl://127.0.0.1:8883",
		"mqtts://127.0.0.1",
		"ws://127.0.0.1:9001/mqtt",
		"wss://127.0.0.1/mqtt",
		"tcp://user:secret@127.0.0.1:1883",
	} {
		t.Run(broker, func(t *testing.T) {
			c, err := mqtt.New(mqtt.Options{Broker: broker, ClientID: "huegate", QoS: 2, StatusTopic: "huegate/status"})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if c.Connected() {
				t.Error("Connected() is true before Connect")
			}
			c.Close(0)
		})
	}
}
