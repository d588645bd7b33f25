package main

import (
	"strings"
	"testing"

	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
)

func TestValidateAcceptsAGoodConfigCheckedOnTheBridge(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, hostConfig(s.URL, s.Bridge.Key())+`
mappings:
  - {topic: lights, lights: ["Desk lamp", "küche decke", 5], groups: ["Living room", "all lights"]}
  - {topic: hall, lights: ["Hall/Up"], range: [0, 1023]}
`)
	out, errOut, code := cli(t, "validate", "--config", path)
	if code != 0 || !strings.Contains(out, "valid: 2 mapping(s); every light and group name found on the bridge") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if n := len(s.Bridge.Requests()); n != 2 {
		t.Fatalf("%d requests to the bridge, want 2 (lights and groups)", n)
	}
}

func TestValidateReportsEachProblemWithItsKeyAndExitCode2(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	head := hostConfig(s.URL, s.Bridge.Key())
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"reversed range", head + "mappings:\n  - {topic: a, lights: [1], range: [900, 5]}\n",
			[]string{"mappings[0].range: min 900 must be below max 5"}},
		{"zero rate and bad duration", "bridge: {host: " + s.URL + ", username: k, light_rate: 0, timeout: soon}\n",
			// One line per key: "soon" is not also "not above 0".
			[]string{"bridge.light_rate: must be above 0, got 0", `bridge.timeout: must be a duration such as "3s" or "100ms", got "soon"`}},
		{"duplicate topic", head + "mappings:\n  - {topic: a, lights: [1]}\n  - {topic: a, lights: [2]}\n",
			[]string{`mappings[1].topic: "a" is already mapped by mappings[0]`}},
		{"wildcard topic", head + "mappings:\n  - {topic: 'kitchen/+', lights: [1]}\n",
			[]string{`mappings[0].topic: "kitchen/+" contains a wildcard (+ or #); give the exact topic`}},
		{"unknown light names, each on its line", head + "mappings:\n  - {topic: a, lights: [\"Desk lamp\", Porch]}\n  - {topic: b, lights: [99], groups: [Attic]}\n",
			[]string{
				`mappings[0].lights[1]: light "Porch" not found on the bridge; it has: 1 ("Küche Decke"), 2 ("Lámpara sala")`,
				`mappings[1].lights[0]: light 99 not found on the bridge`,
				`mappings[1].groups[0]: group "Attic" not found on the bridge; it has: 0 ("All lights"), 1 ("Living room")`,
			}},
		{"no API key", "bridge: {host: " + s.URL + "}\nmappings:\n  - {topic: a, lights: [1]}\n",
			[]string{"bridge.username: no API key; run `huegate pair --host " + s.URL + "`"}},
		{"a key the bridge does not know", hostConfig(s.URL, "forgotten-key") + "mappings:\n  - {topic: a, lights: [1]}\n",
			[]string{"bridge.username: the bridge at " + s.URL + " does not know this API key"}},
		{"no host", "bridge: {username: k}\nmappings:\n  - {topic: a, lights: [1]}\n",
			[]string{"bridge.host: not set; find the bridge with `huegate discover`"}},
		{"a pin that is not a fingerprint", "bridge: {host: " + s.URL + ", username: k, cert_sha256: abc}\nmappings:\n  - {topic: a, lights: [1]}\n",
			[]string{"bridge.cert_sha256: must be the SHA-256 fingerprint"}},
		{"a host that is no host", "bridge: {host: 'ftp://bridge', username: k}\nmappings:\n  - {topic: a, lights: [1]}\n",
			[]string{`bridge.host: bridge host "ftp://bridge": scheme must be http or https`}},
		{"no lights", head + "mappings:\n  - {topic: a}\n",
			[]string{"mappings[0]: needs at least one light"}},
		{"unknown bridge", head + "mappings:\n  - {topic: a, bridge: attic, lights: [1]}\n",
			[]string{`mappings[0].bridge: no bridge named "attic"`}},
		{"not YAML", head + "mappings: [\n",
			[]string{"not valid YAML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := testkit.WriteConfig(t, tt.yaml)
			out, errOut, code := cli(t, "validate", "--config", path)
			if code != 2 {
				t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			// The emulator serves plain http, which validate warns about first.
			errOut = withoutWarnings(errOut)
			if !strings.HasPrefix(errOut, "huegate: invalid config "+path+":\n") {
				t.Fatalf("stderr does not start with the file:\n%s", errOut)
			}
			for _, want := range tt.want {
				if !hasLine(errOut, want) {
					t.Errorf("no line with\n  %s\nin\n%s", want, errOut)
				}
			}
			if lines := strings.Count(errOut, "\n") - 1; lines != len(tt.want) {
				t.Errorf("%d problem lines, want %d:\n%s", lines, len(tt.want), errOut)
			}
			if strings.Contains(errOut, s.Bridge.Key()) || strings.Contains(out, s.Bridge.Key()) {
				t.Fatal("the key was printed")
			}
		})
	}
}

// hasLine reports whether a line of text starts with want, or, for want
// naming no key path, contains it.
// withoutWarnings drops validate's "warning: " lines.
func withoutWarnings(text string) string {
	var keep []string
	for _, line := range strings.SplitAfter(text, "\n") {
		if !strings.HasPrefix(line, "warning: ") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "")
}

func hasLine(text, want string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, want) || !strings.Contains(want, ": ") && strings.Contains(line, want) {
			return true
		}
	}
	return false
}

func TestValidateWarnsButPassesWhenTheBridgeDoesNotAnswer(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, hostConfig(s.URL, s.Bridge.Key())+"mappings:\n  - {topic: a, lights: [Porch]}\nmqtt: {qos: 1, colour: red}\n")
	s.Stop()
	out, errOut, code := cli(t, "validate", "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"warning: mqtt.colour: unknown key (ignored)", "warning: bridge: bridge at " + s.URL + " did not answer", "names not checked"} {
		if !strings.Contains(errOut+out, want) {
			t.Errorf("output lacks %q:\n%s%s", want, out, errOut)
		}
	}
}

func TestRunStopsAtStartUpWithTheLinesOfValidate(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, hostConfig(s.URL, s.Bridge.Key())+"mqtt: {broker: 'tcp://127.0.0.1:1'}\nmappings:\n  - {topic: a, lights: [\"Desk lamp\", Porch]}\n")
	_, validateErr, code := cli(t, "validate", "--config", path)
	if code != 2 {
		t.Fatalf("validate exit %d", code)
	}
	_, runErr, code := cli(t, "run", "--config", path, "--log-format", "json")
	if code != 2 {
		t.Fatalf("run exit %d:\n%s", code, runErr)
	}
	want := validateErr[strings.Index(validateErr, "huegate: invalid config"):]
	if !strings.HasSuffix(runErr, want) {
		t.Fatalf("run said\n%s\nvalidate said\n%s", runErr, validateErr)
	}
	if cmds := s.Bridge.Commands(); len(cmds) != 0 {
		t.Fatalf("run sent %d commands with an invalid config", len(cmds))
	}

	noKey := testkit.WriteConfig(t, "bridge: {host: "+s.URL+"}\n")
	_, runErr, code = cli(t, "run", "--config", noKey)
	if code != 2 || !strings.Contains(runErr, "bridge.username: no API key; run `huegate pair --host "+s.URL+"`") {
		t.Fatalf("run without a key: exit %d\n%s", code, runErr)
	}
}

func TestValidateWarnsAboutALightNamedTwice(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, hostConfig(s.URL, s.Bridge.Key())+"mappings:\n  - {topic: a, lights: [\"Desk lamp\", 3, 5]}\n")
	out, errOut, code := cli(t, "validate", "--config", path)
	if code != 0 || !strings.Contains(errOut, "warning: mappings[0].lights[1]: the same light as mappings[0].lights[0] (id 3)") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if strings.Contains(errOut, "lights[2]") {
		t.Fatalf("a light named once was warned about:\n%s", errOut)
	}
}

// A mapping's stream must name an entertainment area the bridge has; an
// old bridge's areas (v1 groups of type Entertainment) count.
func TestValidateChecksTheStreamArea(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	head := hostConfig(s.URL, s.Bridge.Key())
	good := testkit.WriteConfig(t, head+"mappings:\n  - {topic: tv, stream: tv area}\n")
	out, errOut, code := cli(t, "validate", "--config", good)
	if code != 0 || !strings.Contains(out, "every light, group and entertainment area found on the bridge") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	bad := testkit.WriteConfig(t, head+"mappings:\n  - {topic: tv, stream: Living room}\n")
	_, errOut, code = cli(t, "validate", "--config", bad)
	if code != 2 || !strings.Contains(errOut, `mappings[0].stream: no entertainment area "Living room" (the bridge has "TV area")`) {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
}
