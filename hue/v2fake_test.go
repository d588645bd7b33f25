package hue

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A small CLIP v2 bridge for the client's tests, answering as v2spec.md
// says, with bodies written to it. The emulator's v2 side comes later.

const testKey = "v2-test-key-0123456789abcdefABCDEF"

// Ids: a lights, d devices, e zigbee_connectivity, b rooms and zones,
// c grouped lights, f scenes.
const (
	idL1 = "a0000001-0000-4000-8000-000000000000"
	idL2 = "a0000002-0000-4000-8000-000000000000"
	idL3 = "a0000003-0000-4000-8000-000000000000"
	idL4 = "a0000004-0000-4000-8000-000000000000"
	idL5 = "a0000005-0000-4000-8000-000000000000"
	idL6 = "a0000006-0000-4000-8000-000000000000" // no id_v1: made with v2
	idL7 = "a0000007-0000-4000-8000-000000000000" // /lights/12
	idDB = "d00000bb-0000-4000-8000-000000000000" // the bridge's device
	idBR = "b00000bb-0000-4000-8000-000000000000" // the bridge resource
	idR1 = "b0000001-0000-4000-8000-000000000000"
	idR3 = "b0000003-0000-4000-8000-000000000000"
	idZ2 = "b0000002-0000-4000-8000-000000000000"
	idG0 = "c0000000-0000-4000-8000-000000000000"
	idG1 = "c0000001-0000-4000-8000-000000000000"
	idG2 = "c0000002-0000-4000-8000-000000000000"
	idG3 = "c0000003-0000-4000-8000-000000000000"
	idG5 = "c0000005-0000-4000-8000-000000000000"
	idS1 = "f0000001-0000-4000-8000-000000000000"
	idS2 = "f0000002-0000-4000-8000-000000000000" // no id_v1
	idS3 = "f0000003-0000-4000-8000-000000000000"
)

func dev(n string) string { return "d000000" + n + "-0000-4000-8000-000000000000" }
func zig(n string) string { return "e000000" + n + "-0000-4000-8000-000000000000" }

func envelope(items ...string) string {
	return `{"errors":[],"data":[` + strings.Join(items, ",") + `]}`
}

var v2Lights = envelope(
	`{"id":"`+idL1+`","id_v1":"/lights/1","type":"light","owner":{"rid":"`+dev("1")+`","rtype":"device"},
	  "metadata":{"name":"Desk","archetype":"sultan_bulb"},"on":{"on":true},
	  "dimming":{"brightness":50.05,"min_dim_level":0.2},
	  "color_temperature":{"mirek":366,"mirek_valid":true,"mirek_schema":{"mirek_minimum":153,"mirek_maximum":500}},
	  "color":{"xy":{"x":0.4573,"y":0.41},"gamut_type":"C"},"mode":"normal"}`,
	`{"id":"`+idL2+`","id_v1":"/lights/2","type":"light","owner":{"rid":"`+dev("2")+`","rtype":"device"},
	  "metadata":{"name":"Bloom","archetype":"hue_bloom"},"on":{"on":true},"dimming":{"brightness":100.0},
	  "color":{"xy":{"x":0.675,"y":0.322},"gamut_type":"A"},"mode":"normal"}`,
	`{"id":"`+idL3+`","id_v1":"/lights/3","type":"light","owner":{"rid":"`+dev("3")+`","rtype":"device"},
	  "metadata":{"name":"Reading","archetype":"classic_bulb"},"on":{"on":false},"dimming":{"brightness":0.39},
	  "color_temperature":{"mirek":250,"mirek_valid":true,"mirek_schema":{"mirek_minimum":153,"mirek_maximum":454}},"mode":"normal"}`,
	`{"id":"`+idL4+`","id_v1":"/lights/4","type":"light","owner":{"rid":"`+dev("4")+`","rtype":"device"},
	  "metadata":{"name":"Hall","archetype":"classic_bulb"},"on":{"on":true},"dimming":{"brightness":75.2},"mode":"normal"}`,
	`{"id":"`+idL5+`","id_v1":"/lights/5","type":"light","owner":{"rid":"`+dev("5")+`","rtype":"device"},
	  "metadata":{"name":"Plug","archetype":"plug"},"on":{"on":true},"mode":"normal"}`,
	`{"id":"`+idL6+`","type":"light","owner":{"rid":"`+dev("6")+`","rtype":"device"},
	  "metadata":{"name":"","archetype":"classic_bulb"},"on":{"on":false},"dimming":{"brightness":10},"mode":"normal"}`,
	`{"id":"`+idL7+`","id_v1":"/lights/12","type":"light","owner":{"rid":"`+dev("7")+`","rtype":"device"},
	  "metadata":{"name":"Strip","archetype":"hue_lightstrip"},"on":{"on":false},"dimming":{"brightness":100},
	  "color_temperature":{"mirek":null,"mirek_valid":false,"mirek_schema":{"mirek_minimum":153,"mirek_maximum":500}},
	  "color":{"xy":{"x":0.2,"y":0.3},"gamut_type":"C"},"mode":"normal"}`,
)

func lightDevice(n, model, product string) string {
	return `{"id":"` + dev(n) + `","id_v1":"/lights/` + n + `","type":"device",
	  "product_data":{"model_id":"` + model + `","manufacturer_name":"Signify Netherlands B.V.","product_name":"` + product + `","software_version":"1.104.2"},
	  "metadata":{"name":"Device ` + n + `","archetype":"classic_bulb"},
	  "services":[{"rid":"a000000` + n + `-0000-4000-8000-000000000000","rtype":"light"},{"rid":"` + zig(n) + `","rtype":"zigbee_connectivity"}]}`
}

const bridgeDevice = `{"id":"` + idDB + `","type":"device",
  "product_data":{"model_id":"BSB002","manufacturer_name":"Signify Netherlands B.V.","product_name":"Hue Bridge","software_version":"1.60.1960149090"},
  "metadata":{"name":"Upstairs bridge","archetype":"bridge_v2"},"services":[{"rid":"` + idBR + `","rtype":"bridge"}]}`

var v2Devices = envelope(
	lightDevice("1", "LCT015", "Hue color lamp"),
	lightDevice("2", "LLC011", "Hue bloom"),
	lightDevice("3", "LTW001", "Hue ambiance lamp"),
	lightDevice("4", "LWB010", "Hue white lamp"),
	lightDevice("5", "LOM001", "Hue Smart plug"),
	lightDevice("6", "LWA001", "Hue white lamp"),
	lightDevice("7", "LST002", "Hue lightstrip plus"),
	bridgeDevice,
)

func zigbee(n, status string) string {
	return `{"id":"` + zig(n) + `","id_v1":"/lights/` + n + `","type":"zigbee_connectivity","owner":{"rid":"` + dev(n) + `","rtype":"device"},
	  "status":"` + status + `","mac_address":"00:17:88:01:00:00:00:0` + n + `"}`
}

// Light 5 (the plug) has no zigbee_connectivity: it counts as reachable.
var v2Zigbees = envelope(zigbee("1", "connected"), zigbee("2", "connected"), zigbee("3", "connected"),
	zigbee("4", "disconnected"), zigbee("6", "connected"), zigbee("7", "connectivity_issue"))

var v2Rooms = envelope(
	`{"id":"`+idR1+`","id_v1":"/groups/1","type":"room","metadata":{"name":"Living room","archetype":"living_room"},
	  "children":[{"rid":"`+dev("2")+`","rtype":"device"},{"rid":"`+dev("1")+`","rtype":"device"}],
	  "services":[{"rid":"`+idG1+`","rtype":"grouped_light"}]}`,
	`{"id":"`+idR3+`","id_v1":"/groups/3","type":"room","metadata":{"name":"Den","archetype":"man_cave"},
	  "children":[{"rid":"`+dev("4")+`","rtype":"device"},{"rid":"`+dev("5")+`","rtype":"device"},{"rid":"`+dev("6")+`","rtype":"device"}],
	  "services":[{"rid":"`+idG3+`","rtype":"grouped_light"}]}`,
)

var v2Zones = envelope(
	`{"id":"` + idZ2 + `","id_v1":"/groups/2","type":"zone","metadata":{"name":"Reading corner","archetype":"reading"},
	  "children":[{"rid":"` + idL3 + `","rtype":"light"},{"rid":"` + idL1 + `","rtype":"light"}],
	  "services":[{"rid":"` + idG2 + `","rtype":"grouped_light"}]}`,
)

var v2GroupedLights = envelope(
	`{"id":"`+idG0+`","id_v1":"/groups/0","type":"grouped_light","owner":{"rid":"f467cdcc-405f-40ab-8db9-4664aa1c3d63","rtype":"bridge_home"},"on":{"on":true},"dimming":{"brightness":60}}`,
	`{"id":"`+idG1+`","id_v1":"/groups/1","type":"grouped_light","owner":{"rid":"`+idR1+`","rtype":"room"},"on":{"on":true},"dimming":{"brightness":75}}`,
	`{"id":"`+idG2+`","id_v1":"/groups/2","type":"grouped_light","owner":{"rid":"`+idZ2+`","rtype":"zone"},"on":{"on":true},"dimming":{"brightness":0.0}}`,
	`{"id":"`+idG3+`","id_v1":"/groups/3","type":"grouped_light","owner":{"rid":"`+idR3+`","rtype":"room"},"on":{"on":true},"dimming":{"brightness":40}}`,
	`{"id":"`+idG5+`","id_v1":"/groups/5","type":"grouped_light","owner":{"rid":"9c8a0000-0000-4000-8000-000000000000","rtype":"entertainment_configuration"},"on":{"on":false}}`,
)

var v2Scenes = envelope(
	`{"id":"`+idS1+`","id_v1":"/scenes/AbC123","type":"scene","metadata":{"name":"Relax"},"group":{"rid":"`+idR1+`","rtype":"room"}}`,
	`{"id":"`+idS2+`","type":"scene","metadata":{"name":"Sunset"},"group":{"rid":"`+idZ2+`","rtype":"zone"}}`,
	`{"id":"`+idS3+`","id_v1":"/scenes/x9","type":"scene","metadata":{"name":"Bright"},"group":{"rid":"`+idR1+`","rtype":"room"}}`,
)

var v2Bridges = envelope(`{"id":"` + idBR + `","type":"bridge","bridge_id":"001788fffe123456","owner":{"rid":"` + idDB + `","rtype":"device"}}`)

// v1Lights is v1 GET /lights of the same bridge, for the uniqueids.
const v1Lights = `{
 "1":{"name":"Desk","type":"Extended color light","uniqueid":"00:17:88:01:00:00:00:01-0b","state":{"on":true}},
 "2":{"name":"Bloom","type":"Color light","uniqueid":"00:17:88:01:00:00:00:02-0b","state":{"on":true}},
 "3":{"name":"Reading","type":"Color temperature light","uniqueid":"00:17:88:01:00:00:00:03-0b","state":{"on":false}},
 "4":{"name":"Hall","type":"Dimmable light","uniqueid":"00:17:88:01:00:00:00:04-0b","state":{"on":true}},
 "5":{"name":"Plug","type":"On/Off plug-in unit","uniqueid":"00:17:88:01:00:00:00:05-0b","state":{"on":true}},
 "12":{"name":"Strip","type":"Extended color light","uniqueid":"00:17:88:01:00:00:00:07-0b","state":{"on":false}}}`

// answer is a fixed reply.
type answer struct {
	code int
	body string
}

type fakeV2 struct {
	srv *httptest.Server

	mu       sync.Mutex
	res      map[string]string // resource type (or "device/<id>") -> GET body
	v1       string            // v1 GET /lights; "" answers 404
	fixed    map[string]answer // "METHOD path" -> answer instead of the resource
	reqs     []string          // "METHOD path"
	bodies   []string          // request bodies, in order
	inflight int
	peak     int
	delay    time.Duration
}

func newFakeV2() *fakeV2 {
	return &fakeV2{
		v1:    v1Lights,
		fixed: make(map[string]answer),
		res: map[string]string{
			"light": v2Lights, "device": v2Devices, "zigbee_connectivity": v2Zigbees,
			"room": v2Rooms, "zone": v2Zones, "grouped_light": v2GroupedLights, "scene": v2Scenes,
			"bridge": v2Bridges, "device/" + idDB: envelope(bridgeDevice),
		},
	}
}

// startV2 serves f over https (or http) and returns a client that trusts it.
func startV2(t *testing.T, f *fakeV2, tls bool, api string) *Client {
	t.Helper()
	f.srv = httptest.NewUnstartedServer(f)
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	cfg := Config{Username: testKey, Timeout: 2 * time.Second, API: api}
	if tls {
		f.srv.StartTLS()
		cfg.CertSHA256 = Fingerprint(f.srv.Certificate().Raw)
	} else {
		f.srv.Start()
	}
	t.Cleanup(f.srv.Close)
	cfg.Host = f.srv.URL
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdle)
	return c
}

func (f *fakeV2) set(key, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.res[key] = body
}

func (f *fakeV2) answer(req string, a answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fixed[req] = a
}

func (f *fakeV2) clear(req string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.fixed, req)
}

// requests returns and forgets the requests so far.
func (f *fakeV2) requests() ([]string, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, b := f.reqs, f.bodies
	f.reqs, f.bodies = nil, nil
	return r, b
}

func (f *fakeV2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.inflight++
	f.peak = max(f.peak, f.inflight)
	f.reqs = append(f.reqs, r.Method+" "+r.URL.Path)
	f.bodies = append(f.bodies, string(body))
	fixed, isFixed := f.fixed[r.Method+" "+r.URL.Path]
	delay, v1 := f.delay, f.v1
	res := f.res[strings.TrimPrefix(r.URL.Path, v2Path)]
	all := f.res[strings.SplitN(strings.TrimPrefix(r.URL.Path, v2Path), "/", 2)[0]]
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}()
	time.Sleep(delay)
	reply := func(code int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
	switch {
	case isFixed:
		reply(fixed.code, fixed.body)
	case r.URL.Path == "/api/"+testKey+"/lights" && v1 != "":
		reply(200, v1)
	case !strings.HasPrefix(r.URL.Path, v2Path):
		reply(404, `<html>not found</html>`)
	case r.Header.Get("hue-application-key") != testKey:
		reply(403, `{"errors":[{"description":"unauthorized user"}],"data":[]}`)
	case r.Method == http.MethodGet && res != "":
		reply(200, res)
	case r.Method == http.MethodPut && strings.Contains(all, `"id":"`+r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]+`"`):
		reply(200, `{"data":[{"rid":"x","rtype":"light"}],"errors":[]}`)
	default:
		reply(404, `{"errors":[{"description":"Not Found"}],"data":[]}`)
	}
}
