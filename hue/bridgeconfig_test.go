package hue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
)

func TestBridgeConfigNamesTheBridge(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, s.Bridge.Key())
	bc, err := c.BridgeConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := hue.BridgeConfig{Name: "Philips hue", BridgeID: "001788FFFE123456", ModelID: "BSB002", SwVersion: "1965111030"}
	if bc != want {
		t.Fatalf("config = %+v, want %+v", bc, want)
	}
}

func TestBridgeConfigNeedsNoKeyLikeARealBridge(t *testing.T) {
	// A bridge answers /api/<anything>/config with its public part, which
	// holds everything BridgeConfig reads.
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, "not-a-key")
	bc, err := c.BridgeConfig(context.Background())
	if err != nil || bc.BridgeID != "001788FFFE123456" || bc.Name != "Philips hue" {
		t.Fatalf("config = %+v, %v", bc, err)
	}
}

func TestBridgeConfigRefusesAnEmptyBody(t *testing.T) {
	s := huetest.NewServer(t, fixture, emulator.WithFault(emulator.FaultEmptyBody))
	c := newClient(t, s, s.Bridge.Key())
	if _, err := c.BridgeConfig(context.Background()); !errors.Is(err, hue.ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
}

func TestScenesListGroupScenesByGroup(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, s.Bridge.Key())
	scenes, err := c.Scenes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sc := range scenes {
		got = append(got, sc.Group+"/"+sc.ID+"/"+sc.Name+"/"+sc.Type)
	}
	want := "/N1ghtL1ghtScn01/Night light/LightScene 1/R3laxLivingRm01/Relax/GroupScene 2/C0ncentrKitch01/Concentrate/GroupScene"
	if strings.Join(got, " ") != want {
		t.Fatalf("scenes = %s\nwant     %s", strings.Join(got, " "), want)
	}
	if !scenes[0].Recycle || scenes[1].Recycle {
		t.Fatalf("recycle flags = %v, %v", scenes[0].Recycle, scenes[1].Recycle)
	}
}

func TestScenesRefuseGarbage(t *testing.T) {
	s := huetest.NewServer(t, fixture, emulator.WithFault(emulator.FaultBadJSON))
	c := newClient(t, s, s.Bridge.Key())
	if _, err := c.Scenes(context.Background()); !errors.Is(err, hue.ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
}
