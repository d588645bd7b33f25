package hue_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
)

func TestStreamReportsChangesMadeOnTheBridge(t *testing.T) {
	s := huetest.NewServer(t, fixture, emulator.WithEventStream())
	c := newClient(t, s, s.Bridge.Key())
	ctx, cancel := context.WithCancel(context.Background())
	opened := make(chan struct{})
	changed := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() {
		done <- c.Stream(ctx, func() { close(opened) }, func() { changed <- struct{}{} })
	}()
	select {
	case <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("stream never opened")
	}
	if err := s.Bridge.SetLightState("3", map[string]any{"bri": 12}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no change reported")
	}
	cancel()
	if err := <-done; err == nil || strings.Contains(err.Error(), s.Bridge.Key()) {
		t.Fatalf("Stream returned %v", err)
	}
}

func TestStreamUnavailableIsAnError(t *testing.T) {
	s := huetest.NewServer(t, fixture) // a v1-only bridge
	c := newClient(t, s, s.Bridge.Key())
	err := c.Stream(context.Background(), func() { t.Error("opened") }, func() {})
	var st *hue.StatusError
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("err = %v (%T)", err, st)
	}
}

// The real batches published from a bridge must be understood.
func TestStreamReadsRealBatches(t *testing.T) {
	data, err := os.ReadFile("../../shared/hue-fixtures/v2-eventstream/openhab-event.json")
	if err != nil {
		t.Skip("../shared/hue-fixtures is absent; real event batches not checked")
	}
	if !hue.TouchesV1(data) {
		t.Fatal("real batches not recognised as light or group changes")
	}
	if hue.TouchesV1([]byte(`[{"type":"update","data":[{"id":"x","type":"device_power"}]}]`)) || hue.TouchesV1([]byte("garbage")) {
		t.Fatal("unrelated or malformed batches count as changes")
	}
}
