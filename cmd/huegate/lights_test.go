package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
)

const fixtureTables = `LIGHTS
ID  NAME            SLUG            TYPE                     ON   BRI  REACHABLE
1   Küche Decke     küche-decke     Color temperature light  on   200  yes
2   Lámpara sala    lámpara-sala    Dimmable light           off  128  yes
3   Desk lamp       desk-lamp       Extended color light     on   180  yes
5   Spot #1         spot-1          Extended color light     off  254  yes
7   LED+Strip       ledstrip        Color light              on   120  yes
12  Hall/Up         hallup          Color temperature light  on   100  yes
20  Coffee machine  coffee-machine  On/Off plug-in unit      off  -    yes
31  Garden lantern  garden-lantern  Dimmable light           on   254  no

GROUPS
ID  NAME         SLUG         TYPE           LIGHTS
1   Living room  living-room  Room           2,3,5,7
2   Kitchen      kitchen      Room           1,20
4   Downstairs   downstairs   Zone           1,3,12
7   Hall lights  hall-lights  LightGroup     12,31
9   TV area      tv-area      Entertainment  3,5,7

SCENES
GROUP        NAME         ID               LIGHTS
Living room  Relax        R3laxLivingRm01  2,3,5,7
Kitchen      Concentrate  C0ncentrKitch01  1,20
(lights)     Night light  N1ghtL1ghtScn01  3,12

ENTERTAINMENT AREAS (a mapping streams to one with stream: "<name>")
NAME     ID  STATUS                 CHANNELS:LIGHTS
TV area  9   no CLIP v2: REST only  0:3 1:5 2:7
`

func TestLightsPrintsTablesForTheFixture(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, hostConfig(s.URL, s.Bridge.Key()))
	out, errOut, code := cli(t, "lights", "--config", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := fixtureTables + "\nRead from " + s.URL + " over the v1 API.\n"; out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	if n := len(s.Bridge.Requests()); n != 3 {
		t.Fatalf("%d requests, want 3 (lights, groups, scenes)", n)
	}
}

func TestLightsJSONKeepsNamesAsTheyAre(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, hostConfig(s.URL, s.Bridge.Key()))
	out, errOut, code := cli(t, "lights", "--config", path, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, raw := range []string{`"Küche Decke"`, `"LED+Strip"`, `"Hall/Up"`, `"spot-1"`} {
		if !strings.Contains(out, raw) {
			t.Errorf("JSON lacks %s as plain UTF-8", raw)
		}
	}
	var got listing
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Bridge != "default" || got.Host != s.URL || len(got.Lights) != 8 || len(got.Groups) != 5 || len(got.Scenes) != 3 {
		t.Fatalf("listing = %+v", got)
	}
	lantern, plug := got.Lights[7], got.Lights[6]
	if lantern.Name != "Garden lantern" || lantern.Reachable || !lantern.On || lantern.Bri == nil || *lantern.Bri != 254 {
		t.Fatalf("lantern = %+v", lantern)
	}
	if plug.Bri != nil || plug.Type != "On/Off plug-in unit" || !strings.Contains(out, `"bri": null`) {
		t.Fatalf("plug = %+v: a light without brightness must show bri null", plug)
	}
	if g := got.Groups[0]; g.Name != "Living room" || strings.Join(g.Lights, ",") != "2,3,5,7" || g.Slug != "living-room" {
		t.Fatalf("group = %+v", g)
	}
	if sc := got.Scenes[1]; sc.Name != "Relax" || sc.Group != "1" || sc.Type != "GroupScene" {
		t.Fatalf("scene = %+v", sc)
	}
}

// A light named by someone with access to the bridge cannot make the
// terminal obey it (change the title, clear the screen) or shift the table.
func TestLightsShowsHostileNamesEscaped(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	if err := s.Bridge.RenameLights(map[string]string{"3": "Desk\x1b]0;PWNED\a\x1b[2J\tlamp\n31  Fake"}); err != nil {
		t.Fatal(err)
	}
	path := testkit.WriteConfig(t, hostConfig(s.URL, s.Bridge.Key()))
	out, errOut, code := cli(t, "lights", "--config", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.ContainsAny(out, "\x1b\a") || strings.Contains(out, "\n31  Fake") {
		t.Fatalf("the table obeys the name:\n%q", out)
	}
	if !strings.Contains(out, `Desk\x1b]0;PWNED\a\x1b[2J\tlamp\n31  Fake`) {
		t.Fatalf("the name is not shown escaped:\n%s", out)
	}
}

func TestLightsGivesCollidingNamesTheirIDs(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	err := s.Bridge.AddLight("40", []byte(`{"name":"Spot 1","type":"Dimmable light","state":{"on":false,"bri":1,"reachable":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	path := testkit.WriteConfig(t, hostConfig(s.URL, s.Bridge.Key()))
	out, _, code := cli(t, "lights", "--config", path, "--json")
	var got listing
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("exit %d: %s", code, out)
	}
	if got.Lights[3].Slug != "spot-1-5" || got.Lights[8].Slug != "spot-1-40" || got.Lights[2].Slug != "desk-lamp" {
		t.Fatalf("slugs %q %q, want spot-1-5 and spot-1-40", got.Lights[3].Slug, got.Lights[8].Slug)
	}
}

func TestLightsWithAChangedCertificateSaysHowToRePair(t *testing.T) {
	s := huetest.NewTLSServer(t, fixture)
	other := huetest.ServeTLS(t, s.Bridge) // another certificate
	path := testkit.WriteConfig(t, hostConfig(s.URL, s.Bridge.Key())+"  cert_sha256: "+other.Fingerprint+"\n")
	_, errOut, code := cli(t, "lights", "--config", path)
	if code != 2 || !strings.Contains(errOut, "bridge.cert_sha256: bridge certificate does not match") ||
		!strings.Contains(errOut, "--trust-new-cert") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

func TestLightsWithoutAKeySaysHowToPair(t *testing.T) {
	path := testkit.WriteConfig(t, "bridge: {host: 192.0.2.1}\nmappings: [{topic: a, lights: [1], range: [5, 1]}]\n")
	_, errOut, code := cli(t, "lights", "--config", path)
	if code != 2 || !strings.Contains(errOut, "bridge.username: no API key; run `huegate pair --host 192.0.2.1`") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "warning: "+path+" has 1 problem(s) outside the bridge section") {
		t.Fatalf("the mapping problem was not mentioned:\n%s", errOut)
	}
}

func TestLightsAsksWhichBridgeWhenThereAreSeveral(t *testing.T) {
	up, down := huetest.NewServer(t, fixture), huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, "bridges:\n  up: {host: '"+up.URL+"', username: '"+up.Bridge.Key()+"'}\n"+
		"  down: {host: '"+down.URL+"', username: '"+down.Bridge.Key()+"'}\n")
	_, errOut, code := cli(t, "lights", "--config", path)
	if code != 2 || !strings.Contains(errOut, "the config names several bridges (down, up): choose one with --bridge") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	out, errOut, code := cli(t, "lights", "--config", path, "--bridge", "down", "--json")
	if code != 0 || !strings.Contains(out, `"bridge": "down"`) {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if len(up.Bridge.Requests()) != 0 || len(down.Bridge.Requests()) != 3 {
		t.Fatalf("requests: up %d, down %d; want only the chosen bridge asked", len(up.Bridge.Requests()), len(down.Bridge.Requests()))
	}
}
