package acceptance

import (
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// pub publishes one message with mosquitto_pub at QoS 1 to the broker at
// addr (host:port) and returns once the broker has acknowledged it. The
// payload goes through stdin, so any bytes can be sent.
func pub(t *testing.T, addr, topic, payload string, retain bool) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-h", host, "-p", port, "-q", "1", "-t", topic, "-s"}
	if retain {
		args = append(args, "-r")
	}
	mosquittoPub(t, args, payload)
}

// mosquittoPub runs mosquitto_pub with args and payload on stdin.
func mosquittoPub(t *testing.T, args []string, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mosquitto_pub", args...)
	cmd.Stdin = strings.NewReader(payload)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_pub %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// after matches messages recorded after t0 that match too.
func after(t0 time.Time, match func(mqtttest.Message) bool) func(mqtttest.Message) bool {
	return func(m mqtttest.Message) bool { return m.Time.After(t0) && match(m) }
}

// payloadIs matches a message on topic with exactly payload.
func payloadIs(topic, payload string) func(mqtttest.Message) bool {
	return func(m mqtttest.Message) bool { return m.Topic == topic && string(m.Payload) == payload }
}

// stateHas matches a JSON state on topic whose fields include every one in
// want (compared as JSON values).
func stateHas(topic string, want map[string]any) func(mqtttest.Message) bool {
	return func(m mqtttest.Message) bool {
		if m.Topic != topic {
			return false
		}
		return fieldsMatch(m.Payload, want)
	}
}

// fieldsMatch reports whether the JSON object doc holds each field of want
// with the same JSON value.
func fieldsMatch(doc []byte, want map[string]any) bool {
	var got map[string]any
	if json.Unmarshal(doc, &got) != nil {
		return false
	}
	for k, v := range want {
		w, err := json.Marshal(v)
		if err != nil {
			return false
		}
		g, err := json.Marshal(got[k])
		if err != nil || !jsonEqual(g, w) {
			return false
		}
	}
	return true
}

// linesOf collects a mosquitto_sub -v output's "topic payload" lines.
func linesOf(out string) []string {
	return strings.Split(strings.TrimRight(out, "\n"), "\n")
}

func hasLine(out, line string) bool {
	for _, l := range linesOf(out) {
		if l == line {
			return true
		}
	}
	return false
}
