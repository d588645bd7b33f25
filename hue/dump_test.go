package hue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
)

// fixtureKeys are the app keys the project fixture's whitelist holds.
var fixtureKeys = []string{"fakewhitelistkeyone000000000000000000001", "fakewhitelistkeytwo000000000000000000002"}

func TestDumpFromTheEmulatorLosesItsSecretsAndLoadsAgain(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, s.Bridge.Key())
	raw, err := c.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	secrets := append([]string{s.Bridge.Key()}, fixtureKeys...)
	for _, k := range secrets {
		if !bytes.Contains(raw, []byte(k)) {
			t.Fatalf("the raw dump should hold key %s (else this test proves nothing)", k)
		}
	}

	clean, err := hue.SanitizeDump(raw, s.Bridge.Key())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range secrets {
		if bytes.Contains(clean, []byte(k)) {
			t.Errorf("sanitized dump still holds key %s", k)
		}
	}
	var top map[string]any
	if err := json.Unmarshal(clean, &top); err != nil {
		t.Fatal(err)
	}
	cfg := top["config"].(map[string]any)
	if wl := cfg["whitelist"].(map[string]any); len(wl) != 0 {
		t.Errorf("whitelist = %v, want empty", wl)
	}
	scene := top["scenes"].(map[string]any)["R3laxLivingRm01"].(map[string]any)
	if scene["owner"] != hue.Redacted {
		t.Errorf("scene owner = %v", scene["owner"])
	}
	addr := top["schedules"].(map[string]any)["1"].(map[string]any)["command"].(map[string]any)["address"]
	if addr != "/api/redacted/groups/1/action" {
		t.Errorf("schedule address = %v", addr)
	}

	// The dump replays: a bridge loaded from it shows the same lights.
	replay, err := emulator.New(clean)
	if err != nil {
		t.Fatalf("huetest cannot load the sanitized dump: %v", err)
	}
	r, err := emulator.Start(replay, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	want, err := c.Lights(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := newClient(t, r, replay.Key()).Lights(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("replayed lights differ:\n got %+v\nwant %+v", got, want)
	}
}

func TestDumpWithAWrongKeySaysSoWithoutTheKey(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	const wrong = "wrongkey0123456789abcdefwrongkey0123"
	_, err := newClient(t, s, wrong).Dump(context.Background())
	if !hue.IsType(err, hue.ErrTypeUnauthorized) {
		t.Fatalf("err = %v, want unauthorized", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Fatalf("error quotes the key: %v", err)
	}
}

func TestSanitizeKeepsWhatIsNotSecret(t *testing.T) {
	in := `{"config":{"name":"Philips hue","whitelist":{"k1":{"name":"a"}}},
	 "lights":{"3":{"state":{"on":true,"bri":180,"xy":[0.4575,0.4099]},"uniqueid":"00:17:88:01:02:03:04:01-0b",
	  "productid":"Philips_LCT015_1_A19ECLv5_long_id","big":12345678901234567890}},
	 "scenes":{"s":{"image":"a1f7e7a8-6c94-4f1f-9d2b-3c5e1b7a3f00","owner":"k1","note":"by k1"}},
	 "rules":{"1":{"actions":[{"address":"/api/Xq3vT9LmB2nR7wK4pY8sD1fG6hJ0cZ5aE/lights/1/state"}]}},
	 "sensors":{"1":{"config":{"usertest":false,"token":"abc","password":""}}}}`
	out, err := hue.SanitizeDump([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`0.4575,`, `12345678901234567890`, `"00:17:88:01:02:03:04:01-0b"`,
		`"a1f7e7a8-6c94-4f1f-9d2b-3c5e1b7a3f00"`, `"Philips_LCT015_1_A19ECLv5_long_id"`,
		`"/api/redacted/lights/1/state"`, `"note": "by redacted"`, `"usertest": false`,
		`"token": "redacted"`, `"password": ""`, `"whitelist": {}`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "Xq3vT9") {
		t.Errorf("a key-like path segment survived:\n%s", out)
	}
}

func TestSanitizeRefusesWhatIsNotADump(t *testing.T) {
	for _, in := range []string{``, `null`, `[1,2]`, `{"lights":`, `"x"`} {
		if _, err := hue.SanitizeDump([]byte(in)); err == nil {
			t.Errorf("SanitizeDump(%q) = nil error", in)
		}
	}
}

// Real bridges' dumps, published by other projects: their whitelist keys
// must go and the result must still load into the emulator.
func TestSanitizeRealCaptures(t *testing.T) {
	files, _ := filepath.Glob("../../shared/hue-fixtures/v1-full-state/*Root*.json")
	if len(files) == 0 {
		t.Skip("../../shared/hue-fixtures not present")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var top struct {
				Config *struct{ Whitelist map[string]any }
			}
			if err := json.Unmarshal(raw, &top); err != nil {
				t.Fatal(err)
			}
			clean, err := hue.SanitizeDump(raw)
			if err != nil {
				t.Fatal(err)
			}
			if top.Config != nil {
				for k := range top.Config.Whitelist {
					if bytes.Contains(clean, []byte(k)) {
						t.Errorf("key %s survived", k)
					}
				}
			}
			if _, err := emulator.New(clean); err != nil {
				t.Fatalf("does not load: %v", err)
			}
		})
	}
}
