package hue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustDecode[T any](t *testing.T, body string) []T {
	t.Helper()
	items, err := decodeV2[T]([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestV2LightsDecodeToTheV1Shapes(t *testing.T) {
	lights := lightsFrom(mustDecode[v2Light](t, v2Lights), mustDecode[v2Device](t, v2Devices), mustDecode[v2Zigbee](t, v2Zigbees))
	var ids []string
	for _, l := range lights {
		ids = append(ids, l.ID)
	}
	if got := strings.Join(ids, ","); got != "1,2,3,4,5,12,"+idL6 {
		t.Fatalf("ids = %s", got)
	}
	want := map[string]Light{
		"1": {ID: "1", Name: "Desk", Type: "Extended color light", ModelID: "LCT015", Manufacturer: "Signify Netherlands B.V.",
			ProductName: "Hue color lamp", SwVersion: "1.104.2", UniqueID: "00:17:88:01:00:00:00:01", CTMin: 153, CTMax: 500,
			State: LightState{On: true, Bri: 127, Brightness: 50.05, XY: []float32{0.4573, 0.41}, CT: 366, ColorMode: "ct", Reachable: true}},
		"2": {ID: "2", Name: "Bloom", Type: "Color light", ModelID: "LLC011", Manufacturer: "Signify Netherlands B.V.",
			ProductName: "Hue bloom", SwVersion: "1.104.2", UniqueID: "00:17:88:01:00:00:00:02",
			State: LightState{On: true, Bri: 254, Brightness: 100, XY: []float32{0.675, 0.322}, ColorMode: "xy", Reachable: true}},
		"3": {ID: "3", Name: "Reading", Type: "Color temperature light", ModelID: "LTW001", Manufacturer: "Signify Netherlands B.V.",
			ProductName: "Hue ambiance lamp", SwVersion: "1.104.2", UniqueID: "00:17:88:01:00:00:00:03", CTMin: 153, CTMax: 454,
			State: LightState{Bri: 1, Brightness: 0.39, CT: 250, ColorMode: "ct", Reachable: true}},
		"4": {ID: "4", Name: "Hall", Type: "Dimmable light", ModelID: "LWB010", Manufacturer: "Signify Netherlands B.V.",
			ProductName: "Hue white lamp", SwVersion: "1.104.2", UniqueID: "00:17:88:01:00:00:00:04",
			State: LightState{On: true, Bri: 191, Brightness: 75.2}},
		"5": {ID: "5", Name: "Plug", Type: "On/Off plug-in unit", ModelID: "LOM001", Manufacturer: "Signify Netherlands B.V.",
			ProductName: "Hue Smart plug", SwVersion: "1.104.2",
			State: LightState{On: true, Reachable: true}},
		"12": {ID: "12", Name: "Strip", Type: "Extended color light", ModelID: "LST002", Manufacturer: "Signify Netherlands B.V.",
			ProductName: "Hue lightstrip plus", SwVersion: "1.104.2", UniqueID: "00:17:88:01:00:00:00:07", CTMin: 153, CTMax: 500,
			State: LightState{Bri: 254, Brightness: 100, XY: []float32{0.2, 0.3}, ColorMode: "xy"}},
		idL6: {ID: idL6, Name: "Device 6", Type: "Dimmable light", ModelID: "LWA001", Manufacturer: "Signify Netherlands B.V.",
			ProductName: "Hue white lamp", SwVersion: "1.104.2", UniqueID: "00:17:88:01:00:00:00:06",
			State: LightState{Bri: 25, Brightness: 10, Reachable: true}},
	}
	for _, l := range lights {
		if w := want[l.ID]; len(w.State.XY) == 2 {
			// v2 has no hue and saturation: they are read from xy.
			w.State.Hue, w.State.Sat = xyToHS(float64(w.State.XY[0]), float64(w.State.XY[1]))
			want[l.ID] = w
		}
		if !reflect.DeepEqual(l, want[l.ID]) {
			t.Errorf("light %s:\n got %+v\nwant %+v", l.ID, l, want[l.ID])
		}
	}
}

func TestV2BrightnessBecomesBriWithinOneTo254(t *testing.T) {
	for p, want := range map[float64]uint8{0: 1, 0.1: 1, 0.39: 1, 0.6: 2, 50: 127, 50.05: 127, 99.9: 254, 100: 254, 250: 254, -3: 1} {
		if _, bri := percentBri(p); bri != want {
			t.Errorf("percentBri(%v) = %d, want %d", p, bri, want)
		}
	}
}

func TestV2GroupsListRoomsZonesAndOtherV1Groups(t *testing.T) {
	groups, ids := groupsFrom(append(mustDecode[v2Group](t, v2Rooms), mustDecode[v2Group](t, v2Zones)...),
		mustDecode[v2GroupedLight](t, v2GroupedLights), mustDecode[v2Light](t, v2Lights), mustDecode[v2Device](t, v2Devices))
	want := []Group{
		{ID: "1", Name: "Living room", Type: "Room", Class: "Living room", Lights: []string{"1", "2"}, AnyOn: true, AllOn: true,
			Action: LightState{On: true, Bri: 191, Brightness: 75}},
		{ID: "2", Name: "Reading corner", Type: "Zone", Class: "Reading", Lights: []string{"1", "3"}, AnyOn: true,
			Action: LightState{On: true, Bri: 1, Brightness: 0}},
		{ID: "3", Name: "Den", Type: "Room", Class: "Man cave", Lights: []string{"4", "5", idL6}, AnyOn: true,
			Action: LightState{On: true, Bri: 102, Brightness: 40}},
		{ID: "5", Type: "LightGroup", Lights: []string{}},
	}
	if !reflect.DeepEqual(groups, want) {
		t.Fatalf("groups:\n got %+v\nwant %+v", groups, want)
	}
	wantIDs := map[string]string{"0": idG0, "1": idG1, "2": idG2, "3": idG3, "5": idG5}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Fatalf("grouped_light ids = %v", ids)
	}
	for arch, want := range map[string]string{"living_room": "Living room", "tv": "TV", "kids_bedroom": "Kids bedroom", "": "", "é_x": "É x"} {
		if got := roomClass(arch); got != want {
			t.Errorf("roomClass(%q) = %q, want %q", arch, got, want)
		}
	}
}

func TestV2ScenesTakeV1IDsOrTheirV2ID(t *testing.T) {
	scenes, ids := scenesFrom(mustDecode[v2Scene](t, v2Scenes), append(mustDecode[v2Group](t, v2Rooms), mustDecode[v2Group](t, v2Zones)...))
	want := []Scene{
		{ID: "x9", Name: "Bright", Type: "GroupScene", Group: "1"},
		{ID: "AbC123", Name: "Relax", Type: "GroupScene", Group: "1"},
		{ID: idS2, Name: "Sunset", Type: "GroupScene", Group: "2"},
	}
	if !reflect.DeepEqual(scenes, want) {
		t.Fatalf("scenes:\n got %+v\nwant %+v", scenes, want)
	}
	if ids["AbC123"] != idS1 || ids[idS2] != idS2 || ids["x9"] != idS3 {
		t.Fatalf("scene ids = %v", ids)
	}
}

func TestV2ClientReadsEverythingTheGatewayNeeds(t *testing.T) {
	f := newFakeV2()
	c := startV2(t, f, true, "")
	ctx := context.Background()
	if api, err := c.API(ctx); api != APIv2 || err != nil {
		t.Fatalf("API = %q, %v", api, err)
	}
	f.requests()
	lights, err := c.Lights(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reqs, _ := f.requests()
	wantReqs := []string{"GET /clip/v2/resource/light", "GET /clip/v2/resource/device", "GET /clip/v2/resource/zigbee_connectivity", "GET /api/<key>/lights"}
	if got := redactAll(reqs); !slices.Equal(got, wantReqs) {
		t.Fatalf("requests = %v, want %v", got, wantReqs)
	}
	if len(lights) != 7 || lights[0].UniqueID != "00:17:88:01:00:00:00:01-0b" || lights[5].UniqueID != "00:17:88:01:00:00:00:07-0b" {
		t.Fatalf("uniqueids not from v1: %+v", lights)
	}
	if lights[6].UniqueID != "00:17:88:01:00:00:00:06" {
		t.Fatalf("a light v1 does not know keeps its mac: %q", lights[6].UniqueID)
	}
	groups, err := c.Groups(ctx)
	if err != nil || len(groups) != 4 {
		t.Fatalf("groups = %v, %v", groups, err)
	}
	reqs, _ = f.requests()
	// The groups v2 has no room or zone for are named from v1, once.
	if len(reqs) != 4 || redactAll(reqs)[3] != "GET /api/<key>/groups" {
		t.Fatalf("groups right after lights borrow them: %v", reqs)
	}
	if _, err := c.Groups(ctx); err != nil {
		t.Fatal(err)
	}
	if reqs, _ = f.requests(); len(reqs) > 0 && strings.HasPrefix(redactAll(reqs)[len(reqs)-1], "GET /api/") {
		t.Fatalf("the v1 group names were read again: %v", reqs)
	}
	scenes, err := c.Scenes(ctx)
	if err != nil || len(scenes) != 3 || scenes[1].ID != "AbC123" {
		t.Fatalf("scenes = %v, %v", scenes, err)
	}
	cfg, err := c.BridgeConfig(ctx)
	want := BridgeConfig{Name: "Upstairs bridge", BridgeID: "001788FFFE123456", ModelID: "BSB002", SwVersion: "1.60.1960149090"}
	if err != nil || cfg != want {
		t.Fatalf("config = %+v, %v", cfg, err)
	}
}

func redactAll(reqs []string) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = strings.ReplaceAll(r, testKey, "<key>")
	}
	return out
}

func TestV2UniqueIDsAreReadOnceAndAgainOnlyForNewLights(t *testing.T) {
	f := newFakeV2()
	c := startV2(t, f, true, APIv2)
	ctx := context.Background()
	count := func() int {
		reqs, _ := f.requests()
		n := 0
		for _, r := range reqs {
			if strings.HasPrefix(r, "GET /api/") {
				n++
			}
		}
		return n
	}
	for i, want := range []int{1, 0, 0} {
		if _, err := c.Lights(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != want {
			t.Fatalf("read %d: %d v1 reads, want %d", i, n, want)
		}
	}
	// A new light: one more v1 read, even though v1 does not know it.
	f.set("light", strings.Replace(v2Lights, `"id_v1":"/lights/4"`, `"id_v1":"/lights/40"`, 1))
	for i, want := range []int{1, 0} {
		lights, err := c.Lights(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(); n != want {
			t.Fatalf("after a new light, read %d: %d v1 reads, want %d", i, n, want)
		}
		if l := lights[5]; l.ID != "40" || l.UniqueID != "00:17:88:01:00:00:00:04" {
			t.Fatalf("new light = %+v", l)
		}
	}
}

func TestV2UniqueIDsFallBackToTheMacOnlyWhenV1IsGone(t *testing.T) {
	f := newFakeV2()
	c := startV2(t, f, true, APIv2)
	ctx := context.Background()
	f.answer("GET /api/"+testKey+"/lights", answer{503, "busy"})
	if _, err := c.Lights(ctx); !Retryable(err) || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("a busy v1 read must fail the call, retryably: %v", err)
	}
	f.answer("GET /api/"+testKey+"/lights", answer{404, "<html>no</html>"})
	lights, err := c.Lights(ctx)
	if err != nil || lights[0].UniqueID != "00:17:88:01:00:00:00:01" {
		t.Fatalf("no v1: %v, %+v", err, lights)
	}
}

func TestV2BodiesCarryOnlyTheFieldsSet(t *testing.T) {
	tests := []struct {
		s    State
		want string
	}{
		{State{}, `{}`},
		{State{Fields: FieldOn, On: false}, `{"on":{"on":false}}`},
		// 512 of 0..1023, as the mapping hands it over
		{State{Fields: FieldOn | FieldBri, On: true, Bri: 127, Brightness: 50.05}, `{"on":{"on":true},"dimming":{"brightness":50.05}}`},
		{State{Fields: FieldBri, Bri: 127, Brightness: 512 * 100 / 1023.0}, `{"dimming":{"brightness":50.05}}`},
		{State{Fields: FieldBri, Bri: 127}, `{"dimming":{"brightness":50}}`},
		{State{Fields: FieldBri, Bri: 1}, `{"dimming":{"brightness":0.39}}`},
		{State{Fields: FieldBri, Bri: 254}, `{"dimming":{"brightness":100}}`},
		{State{Fields: FieldBri, Brightness: 0.05}, `{"dimming":{"brightness":0.05}}`},
		{State{Fields: FieldBri, Brightness: 12.5}, `{"dimming":{"brightness":12.5}}`},
		{State{Fields: FieldBri, Brightness: 99.999}, `{"dimming":{"brightness":100}}`},
		{State{Fields: FieldBri, Brightness: 250}, `{"dimming":{"brightness":100}}`},
		{State{Fields: FieldXY, XY: [2]float64{0.3127, 0.329}}, `{"color":{"xy":{"x":0.3127,"y":0.3290}}}`},
		{State{Fields: FieldCT, CT: 366}, `{"color_temperature":{"mirek":366}}`},
		{State{Fields: FieldHue | FieldSat, Hue: 0, Sat: 254}, `{"color":{"xy":{"x":0.7006,"y":0.2993}}}`},
		{State{Fields: FieldHue | FieldSat, Hue: 21845, Sat: 254}, `{"color":{"xy":{"x":0.1724,"y":0.7468}}}`},
		{State{Fields: FieldHue | FieldSat, Hue: 43690, Sat: 254}, `{"color":{"xy":{"x":0.1355,"y":0.0399}}}`},
		{State{Fields: FieldSat, Sat: 0}, `{"color":{"xy":{"x":0.3227,"y":0.3290}}}`},
		{State{Fields: FieldXY | FieldHue, XY: [2]float64{0.1, 0.2}, Hue: 9}, `{"color":{"xy":{"x":0.1000,"y":0.2000}}}`},
		{State{Fields: FieldTransition, TransitionTime: 4}, `{"dynamics":{"duration":400}}`},
		{State{Fields: FieldTransition, TransitionTime: 0}, `{"dynamics":{"duration":0}}`},
		{State{Fields: FieldOn | FieldScene | FieldTransition, On: true, Scene: "x", TransitionTime: 1}, `{"on":{"on":true},"dynamics":{"duration":100}}`},
	}
	for _, tt := range tests {
		if got := string(tt.s.AppendV2JSON(nil)); got != tt.want {
			t.Errorf("%+v:\n got %s\nwant %s", tt.s, got, tt.want)
		}
	}
	if got := string(State{}.appendRecallJSON(nil)); got != `{"recall":{"action":"active"}}` {
		t.Errorf("recall = %s", got)
	}
	if got := string(State{Fields: FieldTransition, TransitionTime: 12}.appendRecallJSON(nil)); got != `{"recall":{"action":"active","duration":1200}}` {
		t.Errorf("recall with transition = %s", got)
	}
}

func TestV2PercentIsWrittenAsTheRoundedFloat(t *testing.T) {
	check := func(p float64) {
		want := strconv.FormatFloat(math.Round(min(max(p, 0), 100)*100)/100, 'f', -1, 64)
		if got := string(appendPercent(nil, p)); got != want {
			t.Fatalf("appendPercent(%v) = %s, want %s", p, got, want)
		}
	}
	for n := range 10001 {
		check(float64(n) / 100)
		check(float64(n)/100 + 0.004)
	}
	for bri := range 255 {
		check(State{Bri: uint8(bri)}.Percent())
	}
	for v := range 1024 {
		check(float64(v) * 100 / 1023)
	}
}

func TestV2CommandsGoToTheResourceBehindTheV1ID(t *testing.T) {
	f := newFakeV2()
	c := startV2(t, f, true, APIv2)
	ctx := context.Background()
	st := State{Fields: FieldOn | FieldBri, On: true, Bri: 127, Brightness: 50.05}
	if err := c.SetLight(ctx, "1", st); err != nil {
		t.Fatal(err)
	}
	if err := c.SetLight(ctx, "12", st); err != nil {
		t.Fatal(err)
	}
	if err := c.SetGroup(ctx, "0", State{Fields: FieldOn}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetGroup(ctx, "2", State{Fields: FieldScene | FieldTransition, Scene: "AbC123", TransitionTime: 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetGroup(ctx, "1", State{Fields: FieldScene | FieldBri, Scene: idS2, Bri: 254}); err != nil {
		t.Fatal(err)
	}
	reqs, bodies := f.requests()
	want := []string{
		"GET /clip/v2/resource/light", "PUT /clip/v2/resource/light/" + idL1, // the first command fills the map
		"PUT /clip/v2/resource/light/" + idL7,
		"GET /clip/v2/resource/grouped_light", "PUT /clip/v2/resource/grouped_light/" + idG0,
		"GET /clip/v2/resource/scene", "PUT /clip/v2/resource/scene/" + idS1,
		"PUT /clip/v2/resource/scene/" + idS2, "PUT /clip/v2/resource/grouped_light/" + idG1,
	}
	if !slices.Equal(reqs, want) {
		t.Fatalf("requests:\n got %v\nwant %v", reqs, want)
	}
	wantBodies := []string{"", `{"on":{"on":true},"dimming":{"brightness":50.05}}`, `{"on":{"on":true},"dimming":{"brightness":50.05}}`,
		"", `{"on":{"on":false}}`, "", `{"recall":{"action":"active","duration":200}}`,
		`{"recall":{"action":"active"}}`, `{"dimming":{"brightness":100}}`}
	if !slices.Equal(bodies, wantBodies) {
		t.Fatalf("bodies:\n got %q\nwant %q", bodies, wantBodies)
	}
}

func TestV2UnknownIDRefreshesTheMapOnceThenFails(t *testing.T) {
	f := newFakeV2()
	c := startV2(t, f, true, APIv2)
	ctx := context.Background()
	if _, err := c.Lights(ctx); err != nil {
		t.Fatal(err)
	}
	f.requests()
	// A light added after the read: one GET, then the command.
	f.set("light", strings.Replace(v2Lights, `"id_v1":"/lights/5"`, `"id_v1":"/lights/50"`, 1))
	if err := c.SetLight(ctx, "50", State{Fields: FieldOn}); err != nil {
		t.Fatal(err)
	}
	reqs, _ := f.requests()
	if want := []string{"GET /clip/v2/resource/light", "PUT /clip/v2/resource/light/" + idL5}; !slices.Equal(reqs, want) {
		t.Fatalf("requests = %v, want %v", reqs, want)
	}
	err := c.SetLight(ctx, "99", State{Fields: FieldOn})
	if !IsType(err, ErrTypeNotAvailable) || Retryable(err) || Unusable(err) || !strings.Contains(err.Error(), `light "99"`) {
		t.Fatalf("unknown light: %v", err)
	}
	if reqs, _ := f.requests(); !slices.Equal(reqs, []string{"GET /clip/v2/resource/light"}) {
		t.Fatalf("an unknown id costs one GET: %v", reqs)
	}
	if err := c.SetGroup(ctx, "1", State{Fields: FieldScene, Scene: "nope"}); !IsType(err, ErrTypeNotAvailable) {
		t.Fatalf("unknown scene: %v", err)
	}
	// A light removed behind the client's back: 404, and the next command asks again.
	f.set("light", strings.Replace(v2Lights, idL1, "a0000111-0000-4000-8000-000000000000", -1))
	if err := c.SetLight(ctx, "1", State{Fields: FieldOn}); !IsType(err, ErrTypeNotAvailable) || Retryable(err) {
		t.Fatalf("stale id: %v", err)
	}
	if err := c.SetLight(ctx, "1", State{Fields: FieldOn}); err != nil {
		t.Fatalf("after the 404 the map is read again: %v", err)
	}
}

func TestV2AnswersMapToTheV1Errors(t *testing.T) {
	huge := `{"errors":[{"description":"` + strings.Repeat("x", maxBody) + `"}],"data":[]}`
	tests := []struct {
		name      string
		ans       answer
		check     func(error) bool
		retryable bool
		text      string
	}{
		{"429 html", answer{429, "<html>Too many</html>"}, isStatus(429), true, "HTTP 429"},
		{"503 empty", answer{503, ""}, isStatus(503), true, "HTTP 503"},
		{"500", answer{500, "oops"}, isStatus(500), true, "HTTP 500"},
		{"207", answer{207, `{"data":[{"rid":"x","rtype":"light"}],"errors":[{"description":"device unreachable"},{"description":"color: not supported"}]}`},
			isType(ErrTypeInvalidValue), false, "HTTP 207: device unreachable; color: not supported"},
		{"400", answer{400, `{"errors":[{"description":"invalid value for brightness: must be between 0 and 100"}],"data":[]}`},
			isType(ErrTypeInvalidValue), false, "between 0 and 100"},
		{"404", answer{404, `{"errors":[{"description":"Not Found"}],"data":[]}`}, isType(ErrTypeNotAvailable), false, "HTTP 404: Not Found"},
		{"403", answer{403, `{"errors":[{"description":"unauthorized user ` + testKey + `"}],"data":[]}`}, isType(ErrTypeUnauthorized), false, "huegate pair"},
		{"403 junk", answer{403, `<html>`}, isType(ErrTypeUnauthorized), false, "HTTP 403"},
		{"405", answer{405, ``}, isType(errTypeMethod), false, "HTTP 405"},
		{"418", answer{418, `{"errors":"no"}`}, isStatus(418), false, "HTTP 418"},
		{"many descriptions", answer{400, `{"errors":[{"description":"a"},{"description":"b"},{"description":"c"},{"description":"d"},{"description":"e"}]}`},
			isType(ErrTypeInvalidValue), false, "a; b; c; (2 more)"},
		{"huge 400", answer{400, huge}, func(err error) bool { return errors.Is(err, ErrTooLarge) }, true, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeV2()
			c := startV2(t, f, true, APIv2)
			f.answer("PUT /clip/v2/resource/light/"+idL1, tt.ans)
			err := c.SetLight(context.Background(), "1", State{Fields: FieldOn, On: true})
			if !tt.check(err) || Retryable(err) != tt.retryable || Unusable(err) != tt.retryable {
				t.Fatalf("err = %v (%T); retryable %v", err, errors.Unwrap(err), Retryable(err))
			}
			if !strings.Contains(err.Error(), tt.text) || strings.Contains(err.Error(), testKey) || len(err.Error()) > 1000 {
				t.Fatalf("text %q: want %q, no key, short", err, tt.text)
			}
		})
	}
}

func isStatus(code int) func(error) bool {
	return func(err error) bool {
		var se *StatusError
		return errors.As(err, &se) && se.Code == code
	}
}

func isType(typ int) func(error) bool {
	return func(err error) bool { return IsType(err, typ) }
}

func TestV2GetsRefuseJunkAndHugeBodies(t *testing.T) {
	for name, body := range map[string]string{
		"empty":   "",
		"html":    "<html>hello</html>",
		"no data": `{"errors":[]}`,
		"v1 map":  `{"1":{"name":"x"}}`,
		"type":    `{"data":[{"id":5}]}`,
		"huge":    envelope(strings.Repeat(`{"id":"x"},`, maxBody/10) + `{}`),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeV2()
			c := startV2(t, f, true, APIv2)
			f.answer("GET /clip/v2/resource/light", answer{200, body})
			_, err := c.Lights(context.Background())
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v", err)
			}
			if !Retryable(err) {
				t.Fatalf("a malformed answer is retried, as in v1: %v", err)
			}
		})
	}
}

func TestV2IsChosenByAskingTheBridgeOnce(t *testing.T) {
	ctx := context.Background()
	t.Run("https with v2", func(t *testing.T) {
		f := newFakeV2()
		c := startV2(t, f, true, "auto")
		for range 3 {
			if api, err := c.API(ctx); api != APIv2 || err != nil {
				t.Fatalf("API = %q, %v", api, err)
			}
		}
		if reqs, _ := f.requests(); !slices.Equal(reqs, []string{"GET /clip/v2/resource/bridge"}) {
			t.Fatalf("requests = %v", reqs)
		}
	})
	t.Run("https without v2", func(t *testing.T) {
		f := newFakeV2()
		f.answer("GET /clip/v2/resource/bridge", answer{404, "<html>no</html>"})
		c := startV2(t, f, true, "")
		if _, err := c.Lights(ctx); err != nil {
			t.Fatal(err)
		}
		if api, _ := c.API(ctx); api != APIv1 {
			t.Fatalf("API = %q", api)
		}
		reqs, _ := f.requests()
		if got := redactAll(reqs); !slices.Equal(got, []string{"GET /clip/v2/resource/bridge", "GET /api/<key>/lights"}) {
			t.Fatalf("requests = %v", got)
		}
	})
	t.Run("http", func(t *testing.T) {
		f := newFakeV2()
		c := startV2(t, f, false, "auto")
		if api, err := c.API(ctx); api != APIv1 || err != nil {
			t.Fatalf("API = %q, %v", api, err)
		}
		if reqs, _ := f.requests(); len(reqs) != 0 {
			t.Fatalf("http asks nothing: %v", reqs)
		}
	})
	t.Run("refused key and busy bridge decide nothing", func(t *testing.T) {
		f := newFakeV2()
		c := startV2(t, f, true, "auto")
		f.answer("GET /clip/v2/resource/bridge", answer{403, `{"errors":[{"description":"unauthorized user"}],"data":[]}`})
		if _, err := c.Lights(ctx); !IsType(err, ErrTypeUnauthorized) || !strings.Contains(err.Error(), "huegate pair") {
			t.Fatalf("403: %v", err)
		}
		f.answer("GET /clip/v2/resource/bridge", answer{503, ""})
		if err := c.SetLight(ctx, "1", State{Fields: FieldOn}); !isStatus(503)(err) || !Retryable(err) {
			t.Fatalf("503: %v", err)
		}
		f.clear("GET /clip/v2/resource/bridge")
		if api, err := c.API(ctx); api != APIv2 || err != nil {
			t.Fatalf("API = %q, %v", api, err)
		}
	})
	t.Run("v2 over http", func(t *testing.T) {
		_, err := New(Config{Host: "http://192.0.2.1", API: "v2"})
		if err == nil || !strings.Contains(err.Error(), "https") || !strings.Contains(err.Error(), "bridge.api") {
			t.Fatalf("New = %v", err)
		}
		if _, err := New(Config{Host: "https://192.0.2.1", API: "v3"}); err == nil {
			t.Fatal("v3 accepted")
		}
	})
	t.Run("v2 on a bridge without it", func(t *testing.T) {
		f := newFakeV2()
		f.res = map[string]string{}
		c := startV2(t, f, true, "v2")
		_, err := c.Lights(ctx)
		if !errors.Is(err, ErrNoV2) || !strings.Contains(err.Error(), "bridge.api") || Retryable(err) || Unusable(err) {
			t.Fatalf("Lights = %v", err)
		}
		err = c.SetLight(ctx, "1", State{Fields: FieldOn})
		if !errors.Is(err, ErrNoV2) {
			t.Fatalf("SetLight = %v", err)
		}
	})
}

func TestV2RequestsCarryTheKeyInAHeaderOnly(t *testing.T) {
	f := newFakeV2()
	c := startV2(t, f, true, APIv2)
	if err := c.SetGroup(context.Background(), "3", State{Fields: FieldOn}); err != nil {
		t.Fatal(err)
	}
	reqs, _ := f.requests()
	for _, r := range reqs {
		if strings.Contains(r, testKey) {
			t.Fatalf("key in the URL: %s", r)
		}
	}
	bad, err := New(Config{Host: f.srv.URL, Username: "other-key-00000000000000", CertSHA256: Fingerprint(f.srv.Certificate().Raw), API: APIv2})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.CloseIdle()
	if _, err := bad.Groups(context.Background()); !IsType(err, ErrTypeUnauthorized) {
		t.Fatalf("wrong key: %v", err)
	}
}

type opLog struct {
	mu  sync.Mutex
	ops []string
}

func (o *opLog) Request(op Op, _ time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops = append(o.ops, fmt.Sprintf("%s:%v", op, err != nil))
}

func (o *opLog) Heard() {}

func TestV2CallsReportOnceEachToTheObserver(t *testing.T) {
	f := newFakeV2()
	c := startV2(t, f, true, "auto")
	obs := &opLog{}
	c.obs = obs
	ctx := context.Background()
	f.answer("GET /clip/v2/resource/bridge", answer{503, ""})
	_, _ = c.Lights(ctx) // the probe fails: reported as the call it held up
	f.clear("GET /clip/v2/resource/bridge")
	_, _ = c.Lights(ctx)
	_, _ = c.Groups(ctx)
	_, _ = c.Scenes(ctx)
	_, _ = c.BridgeConfig(ctx)
	_ = c.SetLight(ctx, "1", State{Fields: FieldOn})
	_ = c.SetGroup(ctx, "99", State{Fields: FieldOn})
	want := []string{"lights:true", "lights:false", "groups:false", "scenes:false", "config:false", "set_light:false", "set_group:true"}
	if !slices.Equal(obs.ops, want) {
		t.Fatalf("observed %v, want %v", obs.ops, want)
	}
}

func TestV2KeepsAtMostThreeRequestsInFlight(t *testing.T) {
	f := newFakeV2()
	c := startV2(t, f, true, APIv2)
	ctx := context.Background()
	if _, err := c.Lights(ctx); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.delay, f.peak = 20*time.Millisecond, 0
	f.mu.Unlock()
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			if err := c.SetLight(ctx, []string{"1", "2", "3", "4"}[i%4], State{Fields: FieldOn}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.peak > v2InFlight {
		t.Fatalf("%d requests in flight at once", f.peak)
	}
}

// The bodies of the two APIs side by side: a dimmer step (on, bri,
// transition) and a colour (on, bri, xy, transition), the hot path.
func BenchmarkStateBody(b *testing.B) {
	states := map[string]State{
		"dim":    {Fields: FieldOn | FieldBri | FieldTransition, On: true, Bri: 127, Brightness: 50.05, TransitionTime: 2},
		"colour": {Fields: FieldOn | FieldBri | FieldXY | FieldTransition, On: true, Bri: 127, XY: [2]float64{0.4573, 0.41}, TransitionTime: 2},
		"hs":     {Fields: FieldOn | FieldHue | FieldSat, On: true, Hue: 21845, Sat: 200},
	}
	for _, name := range []string{"dim", "colour", "hs"} {
		st := states[name]
		buf := make([]byte, 0, 128)
		b.Run(name+"/v1", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				buf = st.AppendJSON(buf[:0])
			}
		})
		b.Run(name+"/v2", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				buf = st.AppendV2JSON(buf[:0])
			}
		})
	}
}
