package metrics_test

import (
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/metrics"
)

// Received and Coalesced run on the MQTT message path for every message.
func BenchmarkReceived(b *testing.B) {
	m := metrics.New(metrics.Options{})
	b.ReportAllocs()
	for b.Loop() {
		m.Received("lights")
		m.Coalesced("lights")
	}
}

func BenchmarkSent(b *testing.B) {
	m := metrics.New(metrics.Options{})
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		m.Sent("light", "3", hue.State{}, now, nil)
	}
}
