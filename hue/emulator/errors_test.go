package emulator

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The error bodies in testdata/errors are what other packages test their
// parsing against; the emulator must produce the same bodies, so the two
// cannot drift apart.
func TestEmulatorAnswersMatchTheErrorFixtures(t *testing.T) {
	off := func(b *Bridge) { _ = b.SetLightState(desk, map[string]any{"on": false}) }
	fault := func(f Fault) func(*Bridge) { return func(b *Bridge) { b.SetFault(f) } }
	ceiling := func(b *Bridge) { b.SetRate(1) }
	cases := map[string]struct {
		setup        func(*Bridge)
		method, path string
		body         string
	}{
		"unauthorized.json":            {nil, "GET", "/api/not-paired", ""},
		"invalid-json.json":            {nil, "PUT", api("lights", desk, "state"), `{bri:1}`},
		"not-available.json":           {nil, "PUT", api("lights", "99", "state"), `{"on":true}`},
		"parameter-not-available.json": {nil, "PUT", api("lights", desk, "state"), `{"brightness":100}`},
		"invalid-value.json":           {nil, "PUT", api("lights", desk, "state"), `{"bri":300}`},
		"bri-off.json":                 {off, "PUT", api("lights", desk, "state"), `{"bri":200}`},
		"partial.json":                 {off, "PUT", api("lights", desk, "state"), `{"transitiontime":4,"alert":"select","bri":200}`},
		"link-button.json":             {nil, "POST", "/api", `{"devicetype":"huegate#test"}`},
		"internal.json":                {fault(FaultError901), "PUT", api("lights", desk, "state"), `{"on":true}`},
		"missing-address.json":         {fault(FaultErrorNoAddress), "PUT", api("lights", desk, "state"), `{"on":true}`},
		"missing-description.json":     {fault(FaultErrorNoDescription), "PUT", api("lights", desk, "state"), `{"on":true}`},
		"string-type.json":             {fault(FaultErrorStringType), "PUT", api("lights", desk, "state"), `{"on":true}`},
		"too-many-requests.html":       {ceiling, "PUT", api("lights", desk, "state"), `{"on":true}`},
	}
	files, _ := filepath.Glob("../../testdata/errors/*")
	if len(files) == 0 {
		t.Fatal("no error fixtures found")
	}
	for _, file := range files {
		name := filepath.Base(file)
		tc, ok := cases[name]
		if !ok {
			t.Errorf("%s: no request known to produce it; add one here", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s := serve(t, newClock()) // a frozen clock keeps both commands in one window
			if tc.setup != nil {
				tc.setup(s.Bridge)
			}
			c := newClient(t, s)
			r := c.do(tc.method, tc.path, tc.body)
			if filepath.Ext(name) == ".html" {
				r = c.do(tc.method, tc.path, tc.body) // the second command hits the ceiling
				if !bytes.Equal(r.body, want) {
					t.Errorf("got %q, want %q", r.body, want)
				}
				return
			}
			assertJSON(t, r.body, string(want))
		})
	}
}
