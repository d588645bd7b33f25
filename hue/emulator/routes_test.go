package emulator

import (
	"bytes"
	"maps"
	"net/http"
	"reflect"
	"testing"
)

// withoutLightstates is a scenes collection as the bridge lists it.
func withoutLightstates(scenes any) map[string]any {
	out := map[string]any{}
	for id, v := range scenes.(map[string]any) {
		sc := maps.Clone(v.(map[string]any))
		delete(sc, "lightstates")
		out[id] = sc
	}
	return out
}

// servedConfig is the fixture's config as served: the emulator's own key
// joins the whitelist, as the asking app does on a real bridge.
func servedConfig(t *testing.T) map[string]any {
	c := fixtureJSON(t)["config"].(map[string]any)
	wl := c["whitelist"].(map[string]any)
	wl[DefaultKey] = map[string]any{"last use date": "2024-05-04T08:15:30",
		"create date": "2024-05-04T08:15:30", "name": "huegate#emulator"}
	return c
}

func TestReadRoutesServeTheDumpInBridgeFormat(t *testing.T) {
	f := fixtureJSON(t)
	scenes := withoutLightstates(f["scenes"])
	full := maps.Clone(f)
	full["scenes"] = scenes
	full["config"] = servedConfig(t)
	sub := func(coll, id string) any { return f[coll].(map[string]any)[id] }
	cases := []struct {
		path string
		want any
	}{
		{api(), full},
		{api("lights"), f["lights"]},
		{api("lights", "3"), sub("lights", "3")},
		{api("lights", "31"), sub("lights", "31")},
		{api("groups"), f["groups"]},
		{api("groups", "9"), sub("groups", "9")},
		{api("scenes"), scenes},
		{api("scenes", "R3laxLivingRm01"), sub("scenes", "R3laxLivingRm01")},
		{api("config"), servedConfig(t)},
		{api("sensors"), f["sensors"]},
		{api("sensors", "2"), sub("sensors", "2")},
		{api("schedules"), f["schedules"]},
		{api("rules"), f["rules"]},
		{api("resourcelinks"), f["resourcelinks"]},
	}
	c := newClient(t, serve(t, nil))
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			r := c.get(tc.path)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, content type %q", r.status, r.header.Get("Content-Type"))
			}
			if got := decode(t, r.body); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %s", r.body)
			}
		})
	}
}

func TestGroupZeroIsSynthesisedFromAllLights(t *testing.T) {
	r := newClient(t, serve(t, nil)).get(api("groups", "0"))
	g := decode(t, r.body).(map[string]any)
	if g["name"] != "Group 0" || g["type"] != "LightGroup" {
		t.Errorf("group 0 is %v (%v)", g["name"], g["type"])
	}
	want := []string{"1", "2", "3", "5", "7", "12", "20", "31"}
	if got := idsOf(g["lights"]); !reflect.DeepEqual(got, want) {
		t.Errorf("group 0 lights %v, want %v", got, want)
	}
	if !reflect.DeepEqual(g["state"], map[string]any{"all_on": false, "any_on": true}) {
		t.Errorf("group 0 state %v", g["state"])
	}
	if _, ok := g["action"].(map[string]any); !ok {
		t.Errorf("group 0 has no action: %s", r.body)
	}
}

func TestNamesGoOutAsUTF8NotEscapes(t *testing.T) {
	r := newClient(t, serve(t, nil)).get(api("lights"))
	for _, name := range []string{"Küche Decke", "Lámpara sala", "Spot #1", "LED+Strip", "Hall/Up"} {
		if !bytes.Contains(r.body, []byte(`"`+name+`"`)) {
			t.Errorf("%q not in the answer as is", name)
		}
	}
}

func TestPublicConfigAnswersWithoutKey(t *testing.T) {
	want := `{"name":"Philips hue","datastoreversion":"166","swversion":"1965111030","apiversion":"1.65.0",
		"mac":"00:17:88:12:34:56","bridgeid":"001788FFFE123456","factorynew":false,"replacesbridgeid":null,
		"modelid":"BSB002","starterkitid":""}`
	c := newClient(t, serve(t, nil))
	for _, path := range []string{"/api/config", "/api/not-a-key/config", "/api/config/"} {
		t.Run(path, func(t *testing.T) { assertJSON(t, c.get(path).body, want) })
	}
}

func TestErrorsAnswerHTTP200WithAnErrorArray(t *testing.T) {
	cases := []struct {
		name, method, path, want string
	}{
		{"a wrong key on the root is unauthorized at /", "GET", "/api/wrong",
			`[{"error":{"type":1,"address":"/","description":"unauthorized user"}}]`},
		{"a wrong key on a collection is unauthorized at that address", "GET", "/api/wrong/lights",
			`[{"error":{"type":1,"address":"/lights","description":"unauthorized user"}}]`},
		{"a wrong key cannot command", "PUT", "/api/wrong/lights/3/state",
			`[{"error":{"type":1,"address":"/lights/3/state","description":"unauthorized user"}}]`},
		{"an unknown light is not available", "GET", api("lights", "99"),
			`[{"error":{"type":3,"address":"/lights/99","description":"resource, /lights/99, not available"}}]`},
		{"an unknown group is not available", "GET", api("groups", "99"),
			`[{"error":{"type":3,"address":"/groups/99","description":"resource, /groups/99, not available"}}]`},
		{"an unknown collection is not available", "GET", api("gadgets"),
			`[{"error":{"type":3,"address":"/gadgets","description":"resource, /gadgets, not available"}}]`},
		{"reading a light's state alone is not a method", "GET", api("lights", "3", "state"),
			`[{"error":{"type":4,"address":"/lights/3/state","description":"method, GET, not available for resource, /lights/3/state"}}]`},
		{"deleting is not emulated", "DELETE", api("lights", "3"),
			`[{"error":{"type":4,"address":"/lights/3","description":"method, DELETE, not available for resource, /lights/3"}}]`},
		{"renaming is not emulated", "PUT", api("lights", "3"),
			`[{"error":{"type":4,"address":"/lights/3","description":"method, PUT, not available for resource, /lights/3"}}]`},
		{"GET /api without key is not a method", "GET", "/api",
			`[{"error":{"type":4,"address":"/","description":"method, GET, not available for resource, /"}}]`},
	}
	s := serve(t, nil)
	c := newClient(t, s)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, `{"on":false}`)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("status %d, content type %q", r.status, r.header.Get("Content-Type"))
			}
			assertJSON(t, r.body, tc.want)
		})
	}
	if !light(t, s.Bridge, "3").On {
		t.Error("a refused command switched light 3 off")
	}
}

func TestPathsOutsideTheAPIAreNotFound(t *testing.T) {
	if r := newClient(t, serve(t, nil)).get("/description.xml"); r.status != http.StatusNotFound {
		t.Errorf("status %d, want 404", r.status)
	}
}

func TestNullCollectionsLoadAndStayNull(t *testing.T) {
	dump := `{"lights":null,"groups":null,"config":null,"schedules":null,"scenes":null,"rules":null,"sensors":null,"resourcelinks":null}`
	b, err := New([]byte(dump))
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, serveBridge(t, b))
	assertJSON(t, c.get(api()).body, dump)
	assertJSON(t, c.get(api("lights")).body, `null`)
	assertJSON(t, c.get(api("groups", "0")).body,
		`{"name":"Group 0","lights":[],"sensors":[],"type":"LightGroup","recycle":false,
		  "action":{"on":false,"alert":"none"},"state":{"all_on":false,"any_on":false}}`)
	if err := b.AddLight("1", []byte(`{"name":"New","type":"Dimmable light","state":{"on":true,"bri":1}}`)); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, c.get(api("lights")).body, `{"1":{"name":"New","type":"Dimmable light","state":{"on":true,"bri":1}}}`)
}

func TestNewRejectsWhatIsNotADump(t *testing.T) {
	for _, dump := range []string{
		``, `null`, `[]`, `{"lights":[]}`, `{"lights":{"1":null}}`, `{"lights":{"1":{"name":"no state"}}}`,
		`{"groups":{"1":{"lights":[1,2]}}}`,
	} {
		if _, err := New([]byte(dump)); err == nil {
			t.Errorf("New(%s) loaded", dump)
		}
	}
}

func TestLoadNamesTheFileOnError(t *testing.T) {
	_, err := Load("testdata/does-not-exist.json")
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("does-not-exist.json")) {
		t.Errorf("error %v does not name the file", err)
	}
}
