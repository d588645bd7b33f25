package emulator

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// captures holds real bridge answers published by other projects; it sits
// beside the repository, not in it.
const captures = "../../../shared/hue-fixtures"

func captureFiles(t *testing.T, pattern string) []string {
	t.Helper()
	if _, err := os.Stat(captures); err != nil {
		t.Skipf("real bridge captures not found at %s (%v); they live outside the repository", captures, err)
	}
	files, err := filepath.Glob(filepath.Join(captures, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures match %s: %v", pattern, err)
	}
	return files
}

func TestRealFullStateCapturesLoadAndListTheirLights(t *testing.T) {
	for _, file := range captureFiles(t, "v1-full-state/*.json") {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(data, &top); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if _, isDump := top["config"]; !isDump {
			continue // a single resource, see TestGroupZeroHasTheShapeOfARealOne
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			var want struct {
				Lights map[string]struct{ Name string }
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			b, err := New(data)
			if err != nil {
				t.Fatal(err)
			}
			s := serveBridge(t, b)
			var got map[string]struct{ Name string }
			if err := json.Unmarshal(newClient(t, s).get(api("lights")).body, &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want.Lights) {
				t.Fatalf("%d lights listed, the capture has %d", len(got), len(want.Lights))
			}
			for id, l := range want.Lights {
				if got[id].Name != l.Name {
					t.Errorf("light %s: %q, want %q", id, got[id].Name, l.Name)
				}
			}
		})
	}
}

func TestGroupZeroHasTheShapeOfARealOne(t *testing.T) {
	files := captureFiles(t, "v1-full-state/*group0.json")
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var real map[string]any
	if err := json.Unmarshal(data, &real); err != nil {
		t.Fatal(err)
	}
	ours := decode(t, newClient(t, serve(t, nil)).get(api("groups", "0")).body).(map[string]any)
	for k := range ours {
		if _, ok := real[k]; !ok {
			t.Errorf("our group 0 has %q, the real one does not", k)
		}
	}
	if ours["name"] != real["name"] || ours["type"] != real["type"] {
		t.Errorf("ours is %v (%v), real is %v (%v)", ours["name"], ours["type"], real["name"], real["type"])
	}
	want := slices.Sorted(maps.Keys(real["state"].(map[string]any)))
	if got := slices.Sorted(maps.Keys(ours["state"].(map[string]any))); !slices.Equal(got, want) {
		t.Errorf("state members %v, real %v", got, want)
	}
}

// Single light bodies from real bridges can be added and commanded.
func TestRealLightCapturesTakeCommands(t *testing.T) {
	for _, file := range captureFiles(t, "v1-resources/*-lights-*.json") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s := serve(t, nil)
			if err := s.Bridge.AddLight("100", data); err != nil {
				t.Fatal(err)
			}
			r := newClient(t, s).put(api("lights", "100", "state"), `{"on":true,"bri":99}`)
			if !strings.Contains(string(r.body), `"/lights/100/state/on":true`) {
				t.Fatalf("answer %s", r.body)
			}
			st := light(t, s.Bridge, "100")
			if _, hasBri := stateOf(decode(t, data).(map[string]any))["bri"]; hasBri && (!st.On || st.Bri != 99) {
				t.Errorf("state after on+bri: %+v", st)
			}
		})
	}
}
