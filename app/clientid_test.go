package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

const (
	sameClientID   = "another client most likely uses the same mqtt.client_id"
	connectionLost = "mqtt connection lost"
)

// Two huegates with one client id on one Mosquitto: the broker closes one
// connection whenever the other connects. Each says so once, naming
// mqtt.client_id, within 20 s (the pause grows from 2 s, so the other is
// taken over a few more times and notices too), and backs off: over a
// minute each loses its connection a few times, where it took hundreds
// before. Heavy: it watches for a minute.
func TestTwoHuegatesWithOneClientIDSayItAndBackOff(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	const mappings = "mappings:\n  - {topic: lights, lights: [3]}\n"
	started := time.Now()
	both := []*stack{
		startHuegateAs(t, broker, "huegate", time.Hour, "", mappings),
		startHuegateAs(t, broker, "huegate", time.Hour, "", mappings),
	}
	warned := make([]time.Duration, len(both))
	lostByHalfTime := make([]int, len(both))
	for time.Since(started) < time.Minute { // watching for a minute, not waiting on anything
		for i, s := range both {
			if warned[i] == 0 && s.logs.Count(sameClientID) > 0 {
				warned[i] = time.Since(started)
			}
			if time.Since(started) < 30*time.Second {
				lostByHalfTime[i] = s.logs.Count(connectionLost)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	takeovers := strings.Count(broker.Logs(), "already connected, closing old connection")
	for i, s := range both {
		lost, warnings := s.logs.Count(connectionLost), s.logs.Count(sameClientID)
		t.Logf("huegate %d: warned after %v; %d connections lost and %d warnings in a minute, %d of them in the second half (%d takeovers in all)",
			i+1, warned[i].Round(time.Millisecond), lost, warnings, lost-lostByHalfTime[i], takeovers)
		if warnings != 1 || warned[i] > 20*time.Second {
			t.Errorf("huegate %d: %d warnings naming mqtt.client_id, the first after %v; want one within 20s", i+1, warnings, warned[i])
		}
		if lost > 10 {
			t.Errorf("huegate %d lost its connection %d times in a minute", i+1, lost)
		}
	}
	if !strings.Contains(both[0].logs.String(), `"client_id":"huegate"`) {
		t.Errorf("the warning does not name the client id:\n%s", both[0].logs)
	}
}

// With their own client ids, two huegates on one broker both stay
// connected, and neither warns.
func TestTwoHuegatesWithTheirOwnClientIDsStayConnected(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	const mappings = "mappings:\n  - {topic: lights, lights: [3]}\n"
	both := []*stack{
		startHuegateAs(t, broker, "huegate-upstairs", time.Hour, "", mappings),
		startHuegateAs(t, broker, "huegate-downstairs", time.Hour, "", mappings),
	}
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); { // watching, not waiting on anything
		for i, s := range both {
			if !s.app.Connected() || s.logs.Count(connectionLost) > 0 {
				t.Fatalf("huegate %d lost its connection:\n%s", i+1, s.logs)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i, s := range both {
		if s.logs.Count(sameClientID) > 0 {
			t.Fatalf("huegate %d warned about its client id:\n%s", i+1, s.logs)
		}
	}
}
