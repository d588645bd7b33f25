package mqtt_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// A broker that stops answering (its connection open): Subscribe and
// Unsubscribe wait until their ctx ends, not 10 s, and Close keeps its
// timeout. Once the broker answers again, the UNSUBSCRIBE Close sent
// reaches it, for every filter in one packet.
func TestEveryCallKeepsItsDeadlineWhenTheBrokerHangs(t *testing.T) {
	b := mqtttest.StartMosquitto(t, "log_type debug")
	link := mqtttest.NewLink(t, b.Addr())
	c := newClient(t, link.URL, nil)
	must(t, c.Subscribe(t.Context(), func(mqtt.Message) {}, "a", "b/+", "c/#"))
	connect(t, c)
	link.Freeze()

	within := func(what string, limit time.Duration, f func()) {
		t.Helper()
		start := time.Now()
		f()
		if took := time.Since(start); took > limit {
			t.Errorf("%s took %v with the broker hanging, want at most %v", what, took, limit)
		}
	}
	within("Subscribe", time.Second, func() {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		if err := c.Subscribe(ctx, func(mqtt.Message) {}, "d"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Subscribe: %v, want the deadline", err)
		}
	})
	within("Unsubscribe", time.Second, func() {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		if err := c.Unsubscribe(ctx, "d"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Unsubscribe: %v, want the deadline", err)
		}
	})
	within("Close", time.Second, func() { c.Close(500 * time.Millisecond) })

	link.Resume()
	deadline := time.Now().Add(waitLong)
	for !strings.Contains(b.Logs(), "UNSUBSCRIBE") || !strings.Contains(b.Logs(), "\tc/#") {
		if time.Now().After(deadline) {
			t.Fatalf("the broker never got Close's UNSUBSCRIBE:\n%s", b.Logs())
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}
