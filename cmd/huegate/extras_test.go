package main

import (
	"slices"
	"testing"

	"github.com/huegate/huegate/config"
)

func TestAReloadNamesTheBuiltInBrokerAndHTTPKeysThatNeedARestart(t *testing.T) {
	old := &config.Config{
		MQTT: config.MQTT{Broker: "embedded", Listen: "127.0.0.1:1883", Users: []config.User{{Username: "a", Password: "old-pw"}}},
		HTTP: config.HTTP{Listen: "127.0.0.1:8081"},
	}
	cur := &config.Config{
		MQTT: config.MQTT{Broker: "embedded", Listen: "127.0.0.1:1883", Users: []config.User{{Username: "a", Password: "new-pw"}}},
		HTTP: config.HTTP{Listen: "127.0.0.1:9091"},
	}
	got := connectionChanges(old, cur)
	if !slices.Equal(got, []string{"mqtt.users", "http.listen"}) {
		t.Fatalf("changes = %v, want [mqtt.users http.listen]", got)
	}
}
