package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// v2Ref, v2Res and v2Body decode the v2 answers: the fields of
// ../../plan/v2spec.md, which is what clients read.
type v2Ref struct {
	RID   string `json:"rid"`
	RType string `json:"rtype"`
}

type v2Res struct {
	ID       string `json:"id"`
	IDv1     string `json:"id_v1"`
	Type     string `json:"type"`
	Owner    *v2Ref `json:"owner"`
	Metadata struct {
		Name      string `json:"name"`
		Archetype string `json:"archetype"`
	} `json:"metadata"`
	On *struct {
		On bool `json:"on"`
	} `json:"on"`
	Dimming *struct {
		Brightness  float64  `json:"brightness"`
		MinDimLevel *float64 `json:"min_dim_level"`
	} `json:"dimming"`
	ColorTemperature *struct {
		Mirek       *int `json:"mirek"`
		MirekValid  bool `json:"mirek_valid"`
		MirekSchema struct {
			Min int `json:"mirek_minimum"`
			Max int `json:"mirek_maximum"`
		} `json:"mirek_schema"`
	} `json:"color_temperature"`
	Color *struct {
		XY struct {
			X float64 `json:"x"`
			Y float64 `json:"y"`
		} `json:"xy"`
		GamutType string `json:"gamut_type"`
	} `json:"color"`
	Mode        string `json:"mode"`
	ProductData *struct {
		ModelID         string `json:"model_id"`
		Manufacturer    string `json:"manufacturer_name"`
		ProductName     string `json:"product_name"`
		SoftwareVersion string `json:"software_version"`
	} `json:"product_data"`
	Services []v2Ref `json:"services"`
	Children []v2Ref `json:"children"`
	Status   string  `json:"status"`
	MAC      string  `json:"mac_address"`
	Group    *v2Ref  `json:"group"`
	BridgeID string  `json:"bridge_id"`
}

type v2Body struct {
	Errors []struct {
		Description string `json:"description"`
	} `json:"errors"`
	Data []json.RawMessage `json:"data"`
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// v2World is a gen2 bridge and an https client that sends the key.
func v2World(t *testing.T, opts ...Option) (tlsWorld, *client) {
	t.Helper()
	w := serveMode(t, ModeGen2, CertGood, opts...)
	c := w.tlsClient(t)
	c.header = http.Header{"Hue-Application-Key": {DefaultKey}}
	return w, c
}

func decodeV2(t *testing.T, r reply) v2Body {
	t.Helper()
	var b v2Body
	if err := json.Unmarshal(r.body, &b); err != nil || b.Data == nil || b.Errors == nil {
		t.Fatalf("not a v2 answer (%v): %d %s", err, r.status, r.body)
	}
	return b
}

// list GETs every resource of a type, keyed by id.
func list(t *testing.T, c *client, rtype string) map[string]v2Res {
	t.Helper()
	r := c.get(V2ResourcePath + "/" + rtype)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", rtype, r.status, r.body)
	}
	out := map[string]v2Res{}
	for _, raw := range decodeV2(t, r).Data {
		var res v2Res
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		if !uuidRE.MatchString(res.ID) || res.Type != rtype {
			t.Errorf("%s: id %q, type %q", rtype, res.ID, res.Type)
		}
		out[res.ID] = res
	}
	return out
}

// byV1 finds the resource whose id_v1 is v1.
func byV1(t *testing.T, m map[string]v2Res, v1 string) v2Res {
	t.Helper()
	for _, r := range m {
		if r.IDv1 == v1 {
			return r
		}
	}
	t.Fatalf("no resource with id_v1 %s", v1)
	return v2Res{}
}

func TestV2LightsShowTheV1StateInV2Shapes(t *testing.T) {
	_, c := v2World(t)
	lights := list(t, c, "light")
	if len(lights) != 8 {
		t.Fatalf("%d lights, want 8", len(lights))
	}
	l := byV1(t, lights, "/lights/3")
	if l.Metadata.Name != "Desk lamp" || l.Metadata.Archetype != "classic_bulb" || !l.On.On || l.Mode != "normal" ||
		l.Owner == nil || l.Owner.RType != "device" || l.Owner.RID != V2ID("device", "3") {
		t.Errorf("light 3: %+v", l)
	}
	if l.Dimming == nil || l.Dimming.Brightness != 180.0*100/254 || l.Dimming.MinDimLevel == nil {
		t.Errorf("light 3 dimming: %+v", l.Dimming)
	}
	if ct := l.ColorTemperature; ct == nil || ct.Mirek == nil || *ct.Mirek != 366 || !ct.MirekValid ||
		ct.MirekSchema.Min != 153 || ct.MirekSchema.Max != 500 {
		t.Errorf("light 3 colour temperature: %+v", ct)
	}
	if col := l.Color; col == nil || col.XY.X != 0.4575 || col.XY.Y != 0.4099 || col.GamutType != "C" {
		t.Errorf("light 3 colour: %+v", col)
	}

	// In xy mode mirek is null: the colour mode is xy.
	if ct := byV1(t, lights, "/lights/5").ColorTemperature; ct == nil || ct.Mirek != nil || ct.MirekValid {
		t.Errorf("light 5 (xy mode) colour temperature: %+v", ct)
	}
	// What a light cannot do is absent: the plug has no dimming, a white
	// ambiance light no colour, the lightstrip no colour temperature.
	plug := byV1(t, lights, "/lights/20")
	if plug.Dimming != nil || plug.ColorTemperature != nil || plug.Color != nil || plug.On.On {
		t.Errorf("plug: %+v", plug)
	}
	if l := byV1(t, lights, "/lights/1"); l.Color != nil || l.ColorTemperature.MirekSchema.Max != 454 {
		t.Errorf("light 1 (ambiance): %+v", l)
	}
	if l := byV1(t, lights, "/lights/7"); l.ColorTemperature != nil || l.Color == nil || l.Color.GamutType != "A" {
		t.Errorf("light 7 (strip): %+v", l)
	}
}

func TestV2DevicesLinkEveryLightToItsConnectivity(t *testing.T) {
	_, c := v2World(t)
	lights, devices, zcs := list(t, c, "light"), list(t, c, "device"), list(t, c, "zigbee_connectivity")
	for _, l := range lights {
		d, ok := devices[l.Owner.RID]
		if !ok || d.IDv1 != l.IDv1 || d.Metadata.Name != l.Metadata.Name || d.ProductData == nil {
			t.Errorf("light %s: owner %+v", l.IDv1, d)
			continue
		}
		want := []v2Ref{{l.ID, "light"}, {V2ID("zigbee_connectivity", strings.TrimPrefix(l.IDv1, "/lights/")), "zigbee_connectivity"}}
		if !slices.Equal(d.Services, want) {
			t.Errorf("device of %s: services %v, want %v", l.IDv1, d.Services, want)
		}
		zc := zcs[want[1].RID]
		if zc.IDv1 != l.IDv1 || zc.Owner == nil || zc.Owner.RID != d.ID {
			t.Errorf("zigbee_connectivity of %s: %+v", l.IDv1, zc)
		}
	}
	if d := byV1(t, devices, "/lights/3").ProductData; d.ModelID != "LCT015" || d.Manufacturer != "Signify Netherlands B.V." ||
		d.ProductName != "Hue color lamp" || d.SoftwareVersion != "1.104.2" {
		t.Errorf("device 3 product data: %+v", d)
	}
	if zc := byV1(t, zcs, "/lights/3"); zc.Status != "connected" || zc.MAC != "00:17:88:01:02:03:04:05" {
		t.Errorf("light 3 connectivity: %+v", zc)
	}
	if zc := byV1(t, zcs, "/lights/31"); zc.Status != "connectivity_issue" {
		t.Errorf("unreachable light 31 connectivity: %+v", zc)
	}

	// The bridge is a device too, and the bridge resource has no v1 twin.
	bridges := list(t, c, "bridge")
	if len(bridges) != 1 {
		t.Fatalf("%d bridges", len(bridges))
	}
	for _, br := range bridges {
		if br.BridgeID != "001788fffe123456" || br.IDv1 != "" || br.Owner == nil {
			t.Fatalf("bridge: %+v", br)
		}
		if d, ok := devices[br.Owner.RID]; !ok || d.IDv1 != "" || !slices.Contains(d.Services, v2Ref{br.ID, "bridge"}) {
			t.Errorf("bridge device: %+v", d)
		}
	}
}

func TestV2RoomsLeadThroughDevicesToLights(t *testing.T) {
	_, c := v2World(t)
	rooms, zones, devices := list(t, c, "room"), list(t, c, "zone"), list(t, c, "device")
	grouped := list(t, c, "grouped_light")
	lightsOf := func(area v2Res) []string {
		var ids []string
		for _, child := range area.Children {
			switch child.RType {
			case "device":
				for _, svc := range devices[child.RID].Services {
					if svc.RType == "light" {
						ids = append(ids, devices[child.RID].IDv1)
					}
				}
			case "light":
				ids = append(ids, lightV1(t, c, child.RID))
			}
		}
		return ids
	}
	if len(rooms) != 2 || len(zones) != 1 {
		t.Fatalf("%d rooms, %d zones; want 2 and 1", len(rooms), len(zones))
	}
	living := byV1(t, rooms, "/groups/1")
	if got := lightsOf(living); living.Metadata.Name != "Living room" || living.Metadata.Archetype != "living_room" ||
		!slices.Equal(got, []string{"/lights/2", "/lights/3", "/lights/5", "/lights/7"}) {
		t.Errorf("living room: %+v, lights %v", living, got)
	}
	down := byV1(t, zones, "/groups/4")
	if got := lightsOf(down); !slices.Equal(got, []string{"/lights/1", "/lights/3", "/lights/12"}) {
		t.Errorf("zone downstairs: lights %v", got)
	}
	for _, area := range []v2Res{living, down} {
		gl, ok := grouped[area.Services[0].RID]
		if len(area.Services) != 1 || !ok || gl.IDv1 != area.IDv1 || gl.Owner == nil || gl.Owner.RID != area.ID {
			t.Errorf("%s: grouped_light %+v", area.IDv1, gl)
		}
	}

	// Group 0 and the groups v2 has no area for keep their grouped_light.
	if g0 := byV1(t, grouped, "/groups/0"); g0.Owner == nil || g0.Owner.RType != "bridge_home" || !g0.On.On {
		t.Errorf("group 0: %+v", g0)
	}
	for _, v1 := range []string{"/groups/2", "/groups/7", "/groups/9"} {
		byV1(t, grouped, v1)
	}
	// Kitchen: light 1 on at bri 200, the plug off and without dimming.
	if g := byV1(t, grouped, "/groups/2"); !g.On.On || g.Dimming == nil || g.Dimming.Brightness != 200.0*100/254 {
		t.Errorf("kitchen grouped_light: %+v %+v", g, g.Dimming)
	}
}

// lightV1 is the id_v1 of the light with v2 id id.
func lightV1(t *testing.T, c *client, id string) string {
	t.Helper()
	r := c.get(V2ResourcePath + "/light/" + id)
	var res v2Res
	b := decodeV2(t, r)
	if len(b.Data) != 1 || json.Unmarshal(b.Data[0], &res) != nil {
		t.Fatalf("GET light %s: %s", id, r.body)
	}
	return res.IDv1
}

func TestV2ScenesBelongToTheirRoom(t *testing.T) {
	_, c := v2World(t)
	scenes := list(t, c, "scene")
	relax := byV1(t, scenes, "/scenes/R3laxLivingRm01")
	if relax.Metadata.Name != "Relax" || relax.Group == nil || *relax.Group != (v2Ref{V2ID("room", "1"), "room"}) {
		t.Errorf("relax: %+v", relax)
	}
	// A v1 LightScene has no room: v2 does not show it.
	for _, s := range scenes {
		if s.IDv1 == "/scenes/N1ghtL1ghtScn01" {
			t.Errorf("LightScene shown in v2: %+v", s)
		}
	}
}

func TestV2IDsAreStableUUIDsThatMapBackToV1(t *testing.T) {
	w, c := v2World(t)
	other, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for id, l := range list(t, c, "light") {
		if got := w.s.Bridge.V1Of(id); got != l.IDv1 {
			t.Errorf("V1Of(%s) = %q, want %s", id, got, l.IDv1)
		}
		if other.V1Of(id) != l.IDv1 {
			t.Errorf("another bridge of the same dump has other ids")
		}
	}
	if V2ID("light", "3") == V2ID("device", "3") {
		t.Error("a light and its device share an id")
	}
	if got := w.s.Bridge.V1Of(V2ID("grouped_light", "0")); got != "/groups/0" {
		t.Errorf("V1Of(group 0) = %q", got)
	}
	if got := w.s.Bridge.V1Of("00000000-0000-0000-0000-000000000000"); got != "" {
		t.Errorf("V1Of(unknown) = %q", got)
	}
}

func TestV2GetOneAndUnknownOnes(t *testing.T) {
	_, c := v2World(t)
	r := c.get(V2ResourcePath + "/light/" + V2ID("light", "3"))
	if b := decodeV2(t, r); r.status != 200 || len(b.Data) != 1 || len(b.Errors) != 0 {
		t.Errorf("GET light 3: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/light/" + V2ID("light", "99"), "/light/" + V2ID("device", "3"), "/bogus", "/light/x/y"} {
		r := c.get(V2ResourcePath + path)
		if b := decodeV2(t, r); r.status != http.StatusNotFound || len(b.Errors) != 1 || b.Errors[0].Description != "Not Found" {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	all := decodeV2(t, c.get(V2ResourcePath))
	if len(all.Data) < 8*3 {
		t.Errorf("GET all resources: %d", len(all.Data))
	}
}

func put2(t *testing.T, c *client, rtype, v1, body string) reply {
	t.Helper()
	return c.put(V2ResourcePath+"/"+rtype+"/"+V2ID(rtype, v1), body)
}

func TestV2BrightnessKeepsItsHundredths(t *testing.T) {
	w, c := v2World(t)
	b := w.s.Bridge
	r := put2(t, c, "light", desk, `{"dimming":{"brightness":50.05}}`)
	want := `{"data":[{"rid":"` + V2ID("light", desk) + `","rtype":"light"}],"errors":[]}`
	if r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	assertJSON(t, r.body, want)
	if st := light(t, b, desk); st.Brightness != 50.05 || st.Bri != 127 {
		t.Errorf("after 50.05: brightness %v, bri %d", st.Brightness, st.Bri)
	}
	if got := byV1(t, list(t, c, "light"), "/lights/3").Dimming.Brightness; got != 50.05 {
		t.Errorf("GET shows %v", got)
	}
	// v1 says bri only: once it sets bri, even to the same value, the
	// percent is bri's again.
	c.put(api("lights", desk, "state"), `{"bri":127}`)
	if st := light(t, b, desk); st.Brightness != 127.0*100/254 {
		t.Errorf("after v1 bri 127: brightness %v", st.Brightness)
	}
	put2(t, c, "light", desk, `{"dimming":{"brightness":0}}`)
	if st := light(t, b, desk); st.Brightness != 0 || st.Bri != 1 {
		t.Errorf("after 0: brightness %v, bri %d", st.Brightness, st.Bri)
	}
}

func TestV2ColourSetsTheColourMode(t *testing.T) {
	w, c := v2World(t)
	put2(t, c, "light", desk, `{"color":{"xy":{"x":0.3,"y":0.4}}}`)
	if st := light(t, w.s.Bridge, desk); st.ColorMode != "xy" || st.XY != [2]float64{0.3, 0.4} {
		t.Errorf("after xy: %+v", st)
	}
	if ct := byV1(t, list(t, c, "light"), "/lights/3").ColorTemperature; ct.Mirek != nil || ct.MirekValid {
		t.Errorf("after xy, mirek %v valid %v", ct.Mirek, ct.MirekValid)
	}
	put2(t, c, "light", desk, `{"color_temperature":{"mirek":250},"dynamics":{"duration":400}}`)
	if st := light(t, w.s.Bridge, desk); st.ColorMode != "ct" || st.CT != 250 {
		t.Errorf("after mirek: %+v", st)
	}
}

func TestV2BrightnessReachesALightThatIsOffWithoutSwitchingItOn(t *testing.T) {
	w, c := v2World(t)
	if r := put2(t, c, "light", "2", `{"dimming":{"brightness":20}}`); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	if st := light(t, w.s.Bridge, "2"); st.On || st.Brightness != 20 || st.Bri != 51 {
		t.Errorf("light 2: %+v", st)
	}
}

func TestV2GroupedLightSetsEveryMember(t *testing.T) {
	w, c := v2World(t)
	b := w.s.Bridge
	if r := put2(t, c, "grouped_light", "1", `{"on":{"on":true},"dimming":{"brightness":30.5}}`); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	for _, id := range []string{"2", "3", "5", "7"} {
		if st := light(t, b, id); !st.On || st.Brightness != 30.5 || st.Bri != 77 {
			t.Errorf("light %s: %+v", id, st)
		}
	}
	if st := light(t, b, "1"); st.Bri != 200 {
		t.Errorf("light 1 of another room changed: %+v", st)
	}
	if g, _ := b.Group("1"); g.Action.Bri != 77 || !g.AllOn {
		t.Errorf("group 1: %+v", g)
	}
	// Group 0 is every light.
	put2(t, c, "grouped_light", "0", `{"on":{"on":false}}`)
	for _, id := range []string{"1", "2", "3", "5", "7", "12", "20", "31"} {
		if light(t, b, id).On {
			t.Errorf("light %s still on after group 0 off", id)
		}
	}
}

func TestV2SceneRecallAppliesTheScene(t *testing.T) {
	w, c := v2World(t)
	b := w.s.Bridge
	want := fixtureJSON(t)["scenes"].(map[string]any)["R3laxLivingRm01"].(map[string]any)["lightstates"].(map[string]any)
	r := put2(t, c, "scene", "R3laxLivingRm01", `{"recall":{"action":"active"}}`)
	if r.status != 200 {
		t.Fatalf("recall: %d %s", r.status, r.body)
	}
	for id, s := range want {
		st := s.(map[string]any)
		got := light(t, b, id)
		if got.On != st["on"] || (st["bri"] != nil && float64(got.Bri) != st["bri"]) {
			t.Errorf("light %s: %+v, scene says %v", id, got, st)
		}
	}
	if r := put2(t, c, "scene", "N1ghtL1ghtScn01", `{"recall":{"action":"active"}}`); r.status != http.StatusNotFound {
		t.Errorf("recall of a v1-only scene: %d", r.status)
	}
	if r := put2(t, c, "scene", "R3laxLivingRm01", `{"recall":{"action":"dance"}}`); r.status != http.StatusBadRequest {
		t.Errorf("recall with a bad action: %d", r.status)
	}
}

func TestV2RefusesWhatABridgeRefuses(t *testing.T) {
	w, c := v2World(t)
	lamp := V2ResourcePath + "/light/" + V2ID("light", desk)
	for _, tc := range []struct {
		name, key, method, path, body string
		status                        int
	}{
		{"no key", "", "GET", V2ResourcePath + "/light", "", 403},
		{"wrong key", "nope", "PUT", lamp, `{"on":{"on":false}}`, 403},
		{"unknown light", DefaultKey, "PUT", V2ResourcePath + "/light/" + V2ID("light", "99"), `{"on":{"on":false}}`, 404},
		{"junk", DefaultKey, "PUT", lamp, `{"on":`, 400},
		{"two values", DefaultKey, "PUT", lamp, `{"on":{"on":true}} {}`, 400},
		{"brightness over 100", DefaultKey, "PUT", lamp, `{"dimming":{"brightness":100.5}}`, 400},
		{"brightness under 0", DefaultKey, "PUT", lamp, `{"dimming":{"brightness":-1}}`, 400},
		{"mirek over 500", DefaultKey, "PUT", lamp, `{"color_temperature":{"mirek":501}}`, 400},
		{"mirek not whole", DefaultKey, "PUT", lamp, `{"color_temperature":{"mirek":300.5}}`, 400},
		{"xy out of range", DefaultKey, "PUT", lamp, `{"color":{"xy":{"x":1.2,"y":0.3}}}`, 400},
		{"on as a string", DefaultKey, "PUT", lamp, `{"on":{"on":"yes"}}`, 400},
		{"unknown field", DefaultKey, "PUT", lamp, `{"on":{"on":true},"hue":100}`, 400},
		{"nothing to set", DefaultKey, "PUT", lamp, `{}`, 400},
		{"dimming a plug", DefaultKey, "PUT", V2ResourcePath + "/light/" + V2ID("light", "20"), `{"dimming":{"brightness":5}}`, 400},
		{"PUT a room", DefaultKey, "PUT", V2ResourcePath + "/room/" + V2ID("room", "1"), `{}`, 405},
		{"DELETE", DefaultKey, "DELETE", lamp, ``, 405},
	} {
		c.header = http.Header{"Hue-Application-Key": {tc.key}}
		r := c.do(tc.method, tc.path, tc.body)
		if b := decodeV2(t, r); r.status != tc.status || len(b.Errors) == 0 || b.Errors[0].Description == "" {
			t.Errorf("%s: %d %s, want %d", tc.name, r.status, r.body, tc.status)
		}
	}
	c.header = nil
	if r := c.do("GET", V2ResourcePath+"/light", ""); !strings.Contains(string(r.body), `"unauthorized user"`) {
		t.Errorf("403 body: %s", r.body)
	}
	if st := light(t, w.s.Bridge, desk); !st.On || st.Bri != 180 || st.CT != 366 {
		t.Errorf("refused commands changed the lamp: %+v", st)
	}
}

func TestV2FaultsAnswer503AndPartialSuccess(t *testing.T) {
	w, c := v2World(t)
	b := w.s.Bridge
	b.SetV2Fault(V2FaultHTTP503)
	if r := c.get(V2ResourcePath + "/light"); r.status != http.StatusServiceUnavailable {
		t.Errorf("GET under http503: %d", r.status)
	}
	if r := c.get(api("lights", desk)); r.status != 200 {
		t.Errorf("v1 under the v2 fault: %d", r.status)
	}

	b.SetV2Fault(V2FaultPartial)
	r := put2(t, c, "light", desk, `{"on":{"on":false},"dimming":{"brightness":10}}`)
	body := decodeV2(t, r)
	if r.status != http.StatusMultiStatus || len(body.Data) != 1 || len(body.Errors) != 1 ||
		!strings.HasPrefix(body.Errors[0].Description, "dimming") {
		t.Errorf("PUT under partial: %d %s", r.status, r.body)
	}
	if st := light(t, b, desk); st.On || st.Bri != 180 {
		t.Errorf("under partial: %+v, want off at bri 180", st)
	}
	if r := c.get(V2ResourcePath + "/light"); r.status != 200 {
		t.Errorf("GET under partial: %d", r.status)
	}

	b.SetV2Fault(V2FaultNone)
	if r := put2(t, c, "light", desk, `{"dimming":{"brightness":10}}`); r.status != 200 {
		t.Errorf("healed: %d", r.status)
	}
}

// More than three v2 requests at once: the bridge answers 429 to those
// over three at once, without waiting out its latency.
func TestV2Answers429AboveThreeRequestsInFlight(t *testing.T) {
	w, c := v2World(t)
	b := w.s.Bridge
	b.SetLatency(time.Hour) // the first three stay in flight until their client gives up
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	statuses := make(chan int, 5)
	for range 5 {
		go func() {
			r, err := c.try(ctx, "GET", V2ResourcePath+"/light", "")
			if err != nil {
				statuses <- 0
				return
			}
			statuses <- r.status
		}()
	}
	for range 2 {
		if s := <-statuses; s != http.StatusTooManyRequests {
			t.Errorf("answered %d while three waited", s)
		}
	}
	cancel()
	for range 3 {
		if s := <-statuses; s != 0 {
			t.Errorf("a request in flight was answered %d", s)
		}
	}
	if err := b.WaitRequests(timeout(t), 5); err != nil {
		t.Fatal(err)
	}
	if n := b.Count429(); n != 2 {
		t.Errorf("Count429 = %d, want 2", n)
	}
	b.SetLatency(0)
	if r := c.get(V2ResourcePath + "/light"); r.status != 200 {
		t.Errorf("once they are gone: %d", r.status)
	}
}

func TestV2CommandsCountTowardsTheCeilingAndTheLog(t *testing.T) {
	b, err := Load(fixture, WithRate(2))
	if err != nil {
		t.Fatal(err)
	}
	b.now = newClock().Now
	w := serveModeBridge(t, b, ModePro, CertGood)
	c := w.tlsClient(t)
	c.header = http.Header{"Hue-Application-Key": {DefaultKey}}
	var codes []int
	bodies := []string{`{"on":{"on":false}}`, `{"dimming":{"brightness":50.05}}`, `{"on":{"on":true}}`}
	for i, body := range bodies {
		rtype, id := "light", desk
		if i == 1 {
			rtype, id = "grouped_light", "1"
		}
		codes = append(codes, put2(t, c, rtype, id, body).status)
	}
	if !slices.Equal(codes, []int{200, 200, 429}) {
		t.Errorf("codes %v, want [200 200 429]", codes)
	}
	c.get(V2ResourcePath + "/light")
	cmds := b.Commands()
	if len(cmds) != 3 || len(b.Requests()) != 4 {
		t.Fatalf("%d commands of %d requests, want 3 of 4", len(cmds), len(b.Requests()))
	}
	first := cmds[0]
	if first.Method != "PUT" || first.Path != V2ResourcePath+"/light/"+V2ID("light", desk) || string(first.Body) != bodies[0] {
		t.Errorf("logged %s %s %s", first.Method, first.Path, first.Body)
	}
	if got := b.V1Of(first.Path[strings.LastIndexByte(first.Path, '/')+1:]); got != "/lights/3" {
		t.Errorf("V1Of the logged PUT = %q", got)
	}
}

func TestV2CommandsNotifyAndStream(t *testing.T) {
	w, c := v2World(t)
	changes := make(chan Change, 16)
	defer w.s.Bridge.OnChange(func(ch Change) { changes <- ch })()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+EventStreamPath, nil)
	req.Header.Set("hue-application-key", DefaultKey)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	if line, _ := rd.ReadString('\n'); line != ": hi\n" {
		t.Fatalf("stream opened with %q", line)
	}

	put2(t, c, "light", desk, `{"dimming":{"brightness":50.05}}`)
	if ch := <-changes; ch.Resource != "/lights/3" {
		t.Errorf("change of %s", ch.Resource)
	}
	var data string
	for !strings.HasPrefix(data, "data: ") {
		if data, err = rd.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	var events []struct {
		Data []struct {
			ID, IDv1 string
			Dimming  struct{ Brightness float64 }
		}
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &events); err != nil || len(events) != 1 {
		t.Fatalf("event %q: %v", data, err)
	}
	if e := events[0].Data[0]; e.ID != V2ID("light", desk) || e.Dimming.Brightness != 50.05 {
		t.Errorf("event %+v", e)
	}
}

func TestAuthV1NamesTheApplicationOfAKey(t *testing.T) {
	w, c := v2World(t)
	r := c.get(AuthPath)
	id := r.header.Get("hue-application-id")
	if r.status != 200 || !uuidRE.MatchString(id) || id != ApplicationID(DefaultKey) {
		t.Errorf("GET /auth/v1: %d, id %q", r.status, id)
	}
	if again := c.get(AuthPath).header.Get("hue-application-id"); again != id {
		t.Errorf("id changed from %s to %s", id, again)
	}
	c.header = http.Header{"Hue-Application-Key": {"wrong"}}
	if r := c.get(AuthPath); r.status != http.StatusForbidden || r.header.Get("hue-application-id") != "" {
		t.Errorf("with a wrong key: %d %v", r.status, r.header)
	}
	c.header = nil
	if r := c.get(AuthPath); r.status != http.StatusForbidden {
		t.Errorf("without a key: %d", r.status)
	}
	// Over plain http, gen2 has no v2 at all.
	plain := w.plainClient(t)
	plain.header = http.Header{"Hue-Application-Key": {DefaultKey}}
	for _, path := range []string{AuthPath, V2ResourcePath + "/light"} {
		if r := plain.get(path); r.status != http.StatusNotFound {
			t.Errorf("plain http %s: %d", path, r.status)
		}
	}
}

func TestOldBridgeHasNoV2(t *testing.T) {
	w := serveMode(t, ModeOld, CertGood, WithEventStream())
	c := w.plainClient(t)
	c.header = http.Header{"Hue-Application-Key": {DefaultKey}}
	for _, path := range []string{AuthPath, V2ResourcePath + "/light", V2ResourcePath} {
		if r := c.get(path); r.status != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.status)
		}
	}
}

func TestPairingOverHTTPSHandsOutTheClientKeyItKeeps(t *testing.T) {
	w, c := v2World(t)
	w.s.Bridge.PressLinkButton()
	a := pair(t, c, `{"devicetype":"huegate#test","generateclientkey":true}`)
	if a[0].Success == nil || !regexp.MustCompile(`^[0-9A-F]{32}$`).MatchString(a[0].Success.ClientKey) ||
		a[0].Success.ClientKey != w.s.Bridge.ClientKey() {
		t.Errorf("answer %+v, ClientKey %q", a[0].Success, w.s.Bridge.ClientKey())
	}
}
