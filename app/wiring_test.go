package app

import (
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/rs/zerolog"
)

// A broker URL the config accepts must be one the MQTT client accepts:
// otherwise a valid-looking config fails only when huegate starts.
func TestEveryBrokerSchemeTheConfigAcceptsTheClientAccepts(t *testing.T) {
	for _, scheme := range []string{"tcp", "mqtt", "ssl", "mqtts", "tls", "tcps", "ws", "wss", "unix", "http"} {
		cfg, err := config.Parse([]byte("mqtt: {broker: '" + scheme + "://127.0.0.1:1'}\n"))
		if err != nil {
			continue // refused by the config with a problem naming mqtt.broker
		}
		b, err := newBroker(cfg, zerolog.Nop())
		if err != nil {
			t.Errorf("%s:// passes the config but the client refuses it: %v", scheme, err)
			continue
		}
		b.Close(time.Second)
	}
}

func TestAClientKeyWithoutItsCertificateIsRefused(t *testing.T) {
	cfg, err := config.Parse([]byte("mqtt: {broker: 'ssl://127.0.0.1:1', key_file: /tmp/client.key}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := newBroker(cfg, zerolog.Nop())
	if err == nil {
		b.Close(time.Second)
		t.Fatal("mqtt.key_file without mqtt.cert_file was silently ignored")
	}
	if !strings.Contains(err.Error(), "together") {
		t.Fatalf("error %q does not say the certificate and key go together", err)
	}
}
