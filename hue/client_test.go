package hue_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mapping"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const fixture = "../testdata/bridge.json"

func newClient(t *testing.T, s *emulator.Server, key string) *hue.Client {
	t.Helper()
	c, err := hue.New(hue.Config{Host: s.URL, Username: key, Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdle)
	return c
}

func TestLightsAreReadInOneRequestAndSortedByID(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, s.Bridge.Key())
	lights, err := c.Lights(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range lights {
		ids = append(ids, l.ID)
	}
	if got := strings.Join(ids, ","); got != "1,2,3,5,7,12,20,31" {
		t.Fatalf("ids = %s", got)
	}
	if n := len(s.Bridge.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	desk := lights[2]
	if desk.Name != "Desk lamp" || desk.Type != "Extended color light" || !desk.State.On || desk.State.Bri != 180 || !desk.State.Reachable {
		t.Fatalf("desk lamp = %+v", desk)
	}
	if lights[7].State.Reachable {
		t.Fatal("the garden lantern is unreachable in the fixture")
	}
}

func TestSetLightSendsOnExplicitlyAndZeroValues(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, s.Bridge.Key())
	st := hue.State{Fields: hue.FieldOn | hue.FieldBri | hue.FieldTransition, On: true, Bri: 77, TransitionTime: 0}
	if err := c.SetLight(context.Background(), "5", st); err != nil { // 5 is off in the fixture
		t.Fatal(err)
	}
	got, _ := s.Bridge.Light("5")
	if !got.On || got.Bri != 77 {
		t.Fatalf("light 5 = %+v", got)
	}
	cmds := s.Bridge.Commands()
	if body := string(cmds[len(cmds)-1].Body); body != `{"on":true,"bri":77,"transitiontime":0}` {
		t.Fatalf("body = %s", body)
	}
}

func TestBridgeErrorsAreTypedAndClassified(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, s.Bridge.Key())
	ctx := context.Background()
	on := hue.State{Fields: hue.FieldOn, On: true}

	err := c.SetLight(ctx, "99", on)
	if !hue.IsType(err, hue.ErrTypeNotAvailable) || hue.Retryable(err) {
		t.Fatalf("unknown light: %v (retryable %v)", err, hue.Retryable(err))
	}
	bad := newClient(t, s, "wrong-key-000000000000")
	_, err = bad.Lights(ctx)
	if !hue.IsType(err, hue.ErrTypeUnauthorized) || !strings.Contains(err.Error(), "huegate pair") {
		t.Fatalf("wrong key: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-key-000000000000") {
		t.Fatalf("error text leaks the key: %v", err)
	}
}

func TestAnyAnswerGivesAnErrorNeverAPanic(t *testing.T) {
	tests := []struct {
		fault     emulator.Fault
		retryable bool
		want      string
	}{
		{emulator.FaultHTTP429, true, "HTTP 429"},
		{emulator.FaultHTTP503, true, "HTTP 503"},
		{emulator.FaultBadJSON, true, "malformed"},
		{emulator.FaultEmptyBody, true, "empty body"},
		{emulator.FaultErrorNoAddress, true, "bridge error 901"},
		{emulator.FaultErrorNoDescription, true, "bridge error"},
		{emulator.FaultErrorStringType, true, "bridge error 901"},
		{emulator.FaultError901, true, "bridge error 901"},
		{emulator.FaultPartial, false, "bridge error"},
		{emulator.FaultHugeBody, true, ""},
		{emulator.FaultReset, true, ""},
		{emulator.FaultHang, true, "deadline"},
	}
	s := huetest.NewServer(t, fixture)
	key := s.Bridge.Key()
	c := newClient(t, s, key)
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			s.Bridge.SetFault(tt.fault)
			defer s.Bridge.SetFault(emulator.FaultNone)
			for _, call := range []func() error{
				func() error { return c.SetLight(context.Background(), "3", hue.State{Fields: hue.FieldOn, On: true}) },
				func() error { _, err := c.Lights(context.Background()); return err },
			} {
				err := call()
				if err == nil {
					if tt.fault == emulator.FaultPartial || tt.fault == emulator.FaultHugeBody {
						continue // a GET may legitimately decode these
					}
					t.Fatal("no error")
				}
				if hue.Retryable(err) != tt.retryable && tt.fault != emulator.FaultPartial {
					t.Errorf("Retryable(%v) = %v, want %v", err, !tt.retryable, tt.retryable)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %q lacks %q", err, tt.want)
				}
				if strings.Contains(err.Error(), key) {
					t.Fatalf("error leaks the key: %v", err)
				}
			}
		})
	}
}

func TestARedirectToHTTPSIsRefusedNotFollowedAsAGet(t *testing.T) {
	c, err := hue.New(hue.Config{Host: "http://127.0.0.1:1", Username: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	if _, err := hue.BaseURL("ftp://x"); err == nil {
		t.Fatal("ftp accepted")
	}
	for host, want := range map[string]string{"192.168.1.2": "https://192.168.1.2", "http://127.0.0.1:8080/": "http://127.0.0.1:8080", "https://bridge.local": "https://bridge.local"} {
		if got, err := hue.BaseURL(host); err != nil || got != want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", host, got, err, want)
		}
	}
}

func TestConnectionRefusedIsRetryableAndKeyless(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, s.Bridge.Key())
	s.Stop()
	err := c.SetLight(context.Background(), "3", hue.State{Fields: hue.FieldOn, On: true})
	if err == nil || !hue.Retryable(err) || strings.Contains(err.Error(), s.Bridge.Key()) {
		t.Fatalf("refused: %v", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := c.SetLight(context.Background(), "3", hue.State{Fields: hue.FieldOn, On: true}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("unexpected cancel")
	}
}

// Real captures published by other projects must load and resolve.
func TestRealBridgeCapturesResolve(t *testing.T) {
	dir := "../../shared/hue-fixtures/v1-full-state"
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skip("../shared/hue-fixtures is absent; compatibility captures not checked")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b, err := emulator.New(data)
			if err != nil {
				if strings.Contains(f, "group0") {
					t.Skip("a single group, not a full dump")
				}
				t.Fatal(err)
			}
			s, err := emulator.Start(b, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c := newClient(t, s, b.Key())
			lights, err := c.Lights(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Groups(context.Background()); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(f, "Null") {
				if len(lights) != 0 {
					t.Fatalf("%d lights from null collections", len(lights))
				}
				return
			}
			if len(lights) == 0 {
				t.Fatal("no lights")
			}
			var refs []mapping.Ref
			var known []mapping.Named
			for _, l := range lights {
				refs = append(refs, mapping.Ref{Name: strings.ToUpper(l.Name)})
				known = append(known, mapping.Named{ID: l.ID, Name: l.Name})
			}
			ids, err := mapping.Resolve("light", refs, known)
			if err != nil || len(ids) != len(lights) {
				t.Fatalf("resolve: %v %v", ids, err)
			}
		})
	}
}

// A lamp's colour-temperature range comes from its capabilities; lamps
// without colour temperature have none.
func TestLightsCarryTheirColourTemperatureRange(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	lights, err := newClient(t, s, s.Bridge.Key()).Lights(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]uint16{}
	for _, l := range lights {
		got[l.ID] = [2]uint16{l.CTMin, l.CTMax}
	}
	if got["1"] != [2]uint16{153, 454} || got["3"] != [2]uint16{153, 500} || got["2"] != [2]uint16{} {
		t.Fatalf("ranges %v", got)
	}
}
