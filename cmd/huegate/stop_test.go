package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// manyMappings is a mappings section of n topics, many/0 to many/n-1, each
// for the desk lamp (3).
func manyMappings(n int) string {
	var b strings.Builder
	b.WriteString("mappings:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {topic: many/%d, lights: [3]}\n", i)
	}
	return b.String()
}

// A broker that stops answering (its connection open, nothing coming back)
// when SIGTERM arrives: every step of the stop has a deadline, so huegate
// exits 0 within the 5 s the README promises, and offline reaches the
// broker once it answers again (published, or as the last will). Before,
// each topic's unsubscribe waited 10 s for an answer: 2 minutes for 10
// mappings.
func TestSIGTERMWithAFrozenBrokerExitsWithin5s(t *testing.T) {
	t.Parallel()
	broker := mqtttest.StartMosquitto(t)
	link := mqtttest.NewLink(t, broker.Addr())
	bridge := huetest.NewServer(t, fixturePath)
	status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	cfg := hostConfig(bridge.URL, bridge.Bridge.Key()) + "mqtt: {broker: '" + link.URL + "'}\n" + manyMappings(10)
	p := startHuegate(t, nil, "run", "--config", configFile(t, cfg), "--log-format", "json")
	online := status.WaitFor(t, 15*time.Second, isPayload("online"))
	p.waitOutput(t, "huegate running", 5*time.Second)

	link.Freeze()
	term := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t, 60*time.Second)
	took := time.Since(term)
	if code != 0 || took > 5*time.Second {
		t.Errorf("exit %d %v after SIGTERM, want 0 within 5 s", code, took)
	}
	link.Resume()
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
		return string(m.Payload) == "offline" && m.Time.After(online.Time)
	})
	t.Logf("10 mappings, broker frozen: exit %d %v after SIGTERM; offline once it answered again", code, took.Round(time.Millisecond))
}
