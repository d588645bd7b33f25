package emulator

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSetLightStateChangesWhatClientsReadWithoutLogging(t *testing.T) {
	s := serve(t, nil)
	if err := s.Bridge.SetLightState(desk, map[string]any{"on": false, "xy": [2]float64{0.3, 0.4}}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Bridge.Requests()); n != 0 {
		t.Errorf("%d requests logged by a state change", n)
	}
	st := decode(t, newClient(t, s).get(api("lights", desk)).body).(map[string]any)["state"].(map[string]any)
	if st["on"] != false || st["colormode"] != "xy" || st["xy"].([]any)[1] != 0.4 {
		t.Errorf("state read back: %v", st)
	}
	// Off, yet no 201: the Hue app may set anything.
	if err := s.Bridge.SetLightState(desk, map[string]any{"bri": 5}); err != nil || light(t, s.Bridge, desk).Bri != 5 {
		t.Errorf("bri on an off light through SetLightState: %v", err)
	}
}

func TestStateSettersRefuseUnknownLights(t *testing.T) {
	b, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"SetLightState": b.SetLightState("99", map[string]any{"on": true}),
		"SetReachable":  b.SetReachable("99", false),
		"RemoveLight":   b.RemoveLight("99"),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	if err := b.SetLightState(desk, map[string]any{"bad": make(chan int)}); err == nil {
		t.Error("a patch that is not JSON was taken")
	}
	if _, ok := b.Light("99"); ok {
		t.Error("Light(99) found")
	}
	if _, ok := b.Group("99"); ok {
		t.Error("Group(99) found")
	}
}

func TestSetReachableShowsInTheLightState(t *testing.T) {
	s := serve(t, nil)
	if err := s.Bridge.SetReachable(desk, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(newClient(t, s).get(api("lights", desk)).body), `"reachable":false`) {
		t.Error("reachable false not served")
	}
}

func TestRemoveLightDropsItFromGroupsAndScenes(t *testing.T) {
	s := serve(t, nil)
	if err := s.Bridge.RemoveLight(desk); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	assertJSON(t, c.get(api("lights", desk)).body,
		`[{"error":{"type":3,"address":"/lights/3","description":"resource, /lights/3, not available"}}]`)
	for _, g := range []string{"0", "1", "4", "9"} {
		if gs, _ := s.Bridge.Group(g); slices.Contains(gs.Lights, desk) {
			t.Errorf("group %s still lists light 3", g)
		}
	}
	sc := decode(t, c.get(api("scenes", "R3laxLivingRm01")).body).(map[string]any)
	if slices.Contains(idsOf(sc["lights"]), desk) || sc["lightstates"].(map[string]any)[desk] != nil {
		t.Errorf("scene still holds light 3: %v", sc)
	}
}

func TestAddLightServesTheNewLight(t *testing.T) {
	s := serve(t, nil)
	err := s.Bridge.AddLight("40", []byte(`{"name":"Porch","type":"Dimmable light","state":{"on":false,"bri":1,"reachable":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	if r := c.get(api("lights")); !strings.Contains(string(r.body), `"40":{`) {
		t.Error("GET /lights does not list light 40")
	}
	assertJSON(t, c.put(api("lights", "40", "state"), `{"on":true,"bri":9}`).body,
		`[{"success":{"/lights/40/state/on":true}},{"success":{"/lights/40/state/bri":9}}]`)
	if g, _ := s.Bridge.Group("0"); !slices.Contains(g.Lights, "40") {
		t.Error("group 0 does not include light 40")
	}
	for _, bad := range []string{`{`, `null`, `{"name":"no state"}`} {
		if s.Bridge.AddLight("41", []byte(bad)) == nil {
			t.Errorf("AddLight took %s", bad)
		}
	}
}

func TestGroupReturnsNameMembersAndAction(t *testing.T) {
	b, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := b.Group("9")
	want := GroupState{Name: "TV area", Type: "Entertainment", Lights: []string{"3", "5", "7"}, AnyOn: true,
		Action: LightState{On: true, Bri: 120, Brightness: 120.0 * 100 / 254, Hue: 47000, Sat: 200, CT: 366, XY: [2]float64{0.1908, 0.0947}, ColorMode: "hs"}}
	if !ok || !slices.Equal(g.Lights, want.Lights) || g.Name != want.Name || g.Type != want.Type ||
		g.AllOn != want.AllOn || g.AnyOn != want.AnyOn || g.Action != want.Action {
		t.Errorf("Group(9) = %+v, want %+v", g, want)
	}
}

func TestWaitLightReturnsWhenTheConditionHolds(t *testing.T) {
	s := serve(t, nil)
	errc := make(chan error, 1)
	go func() {
		errc <- s.Bridge.WaitLight(timeout(t), desk, func(st LightState) bool { return st.Bri == 42 })
	}()
	newClient(t, s).put(api("lights", desk, "state"), `{"bri":42}`)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	err := s.Bridge.WaitLight(ctx, desk, func(st LightState) bool { return st.Bri == 43 })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting for what never happens: %v", err)
	}
}

func TestChangedClosesOnEveryStateChange(t *testing.T) {
	s := serve(t, nil)
	c := newClient(t, s)
	changes := []func(){
		func() { c.put(api("lights", desk, "state"), `{"bri":1}`) },
		func() { c.put(api("groups", "1", "action"), `{"on":true}`) },
		func() { _ = s.Bridge.SetReachable(desk, false) },
	}
	for i, change := range changes {
		ch := s.Bridge.Changed()
		change()
		select {
		case <-ch:
		default:
			t.Errorf("change %d did not close Changed()", i)
		}
	}
	ch := s.Bridge.Changed()
	c.get(api("lights"))
	c.put(api("lights", desk, "state"), `{"bri":0}`)
	select {
	case <-ch:
		t.Error("a read or a refused command closed Changed()")
	default:
	}
}

func TestOnChangeReportsEachChangedResource(t *testing.T) {
	s := serve(t, nil)
	var mu sync.Mutex
	var got []string
	stop := s.Bridge.OnChange(func(c Change) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, c.Resource)
	})
	c := newClient(t, s)
	c.put(api("lights", desk, "state"), `{"bri":1}`)
	c.put(api("groups", "7", "action"), `{"on":false}`)
	_ = s.Bridge.SetLightState("20", map[string]any{"on": true})
	stop()
	c.put(api("lights", desk, "state"), `{"bri":2}`)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"/lights/3", "/groups/7", "/lights/12", "/lights/31", "/lights/20"}
	if !slices.Equal(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
}

func TestTheLogRecordsRequestsAsReceived(t *testing.T) {
	s := serve(t, nil)
	c := newClient(t, s)
	start := time.Now()
	c.get(api("lights"))
	c.put(api("lights", desk, "state"), `{"bri":7}`)
	c.put("/api/not-paired/groups/1/action", `{"on":true}`)
	reqs := s.Bridge.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests logged, want 3", len(reqs))
	}
	r := reqs[1]
	if r.Method != http.MethodPut || r.Path != api("lights", desk, "state") || string(r.Body) != `{"bri":7}` ||
		r.Status != http.StatusOK || r.Time.Before(start) || r.Time.Before(reqs[0].Time) {
		t.Errorf("logged %+v", r)
	}
	cmds := s.Bridge.Commands()
	if len(cmds) != 2 || cmds[0].Path != api("lights", desk, "state") || cmds[1].Path != "/api/not-paired/groups/1/action" {
		t.Errorf("commands %+v", cmds)
	}
	reqs[1].Body[0] = 'X'
	if s.Bridge.Requests()[1].Body[0] != '{' {
		t.Error("Requests shares its bodies with the log")
	}
	s.Bridge.ResetLog()
	if n := len(s.Bridge.Requests()); n != 0 {
		t.Errorf("%d requests after ResetLog", n)
	}
}

func TestWaitCommandsCountsOnlyCommands(t *testing.T) {
	s := serve(t, nil)
	c := newClient(t, s)
	errc := make(chan error, 1)
	go func() { errc <- s.Bridge.WaitCommands(timeout(t), 2) }()
	c.get(api("lights"))
	c.get(api("groups"))
	c.put(api("lights", desk, "state"), `{"bri":7}`)
	select {
	case err := <-errc:
		t.Fatalf("returned after 1 command: %v", err)
	default:
	}
	c.put(api("lights", desk, "state"), `{"bri":8}`)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := s.Bridge.WaitCommands(ctx, 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting for a third command: %v", err)
	}
}
