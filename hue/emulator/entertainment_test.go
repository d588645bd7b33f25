package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/entertainment"
)

const testClientKey = "00112233445566778899AABBCCDDEEFF"

// WithClientKey goes with the bridge's key whichever option comes first,
// and pairing records the clientkey it hands out for the key it hands out.
func TestEntertainmentClientKeys(t *testing.T) {
	for _, opts := range [][]Option{
		{WithClientKey(testClientKey), WithKey("other-key")},
		{WithKey("other-key"), WithClientKey(testClientKey)},
	} {
		b, err := New(Fixture(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if b.ClientKeyOf("other-key") != testClientKey || b.ClientKey() != testClientKey || b.ClientKeyOf(DefaultKey) != "" {
			t.Errorf("clientkeys: of the key %q, last %q", b.ClientKeyOf("other-key"), b.ClientKey())
		}
		if _, ok := b.pskOf(ApplicationID("other-key")); !ok {
			t.Error("no PSK for the key's application id")
		}
		if _, ok := b.pskOf(ApplicationID(DefaultKey)); ok {
			t.Error("a PSK for a key the bridge does not know")
		}
	}
	s := serve(t, nil)
	s.Bridge.PressLinkButton()
	a := pair(t, newClient(t, s), `{"devicetype":"huegate#test","generateclientkey":true}`)
	if ck := s.Bridge.ClientKeyOf(DefaultKey); ck == "" || a[0].Success == nil || ck != a[0].Success.ClientKey {
		t.Error("pairing did not record the clientkey it handed out")
	}
}

// area is the fixture's Entertainment area (group 9: lights 3, 5, 7).
var area = V2ID("entertainment_configuration", "9")

// streamWorld is a gen2 bridge that serves the stream on a free port, its
// key with a clientkey, and an https client that sends the key.
func streamWorld(t *testing.T) (*Server, *client) {
	t.Helper()
	b, err := Load(fixture, WithClientKey(testClientKey))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Cert(CertGood, b.BridgeID())
	if err != nil {
		t.Fatal(err)
	}
	s, err := StartMode(b, "127.0.0.1:0", ServeOptions{Mode: ModeGen2, Cert: &cert, StreamAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c := tlsWorld{ca: ca, s: s}.tlsClient(t)
	c.header = http.Header{"Hue-Application-Key": {DefaultKey}}
	return s, c
}

func startArea(t *testing.T, c *client, action string) reply {
	t.Helper()
	return c.put(V2ResourcePath+"/entertainment_configuration/"+area, `{"action":"`+action+`"}`)
}

// dial opens a stream as identity with clientKey.
func dial(t *testing.T, s *Server, identity, clientKey string) *entertainment.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := entertainment.Dial(ctx, "127.0.0.1", s.StreamPort(), identity, clientKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func dialOwn(t *testing.T, s *Server) *entertainment.Conn {
	t.Helper()
	return dial(t, s, ApplicationID(DefaultKey), testClientKey)
}

// xyb is a frame for the area in xy+brightness, a channel per value.
func xyb(seq uint8, chs ...entertainment.Channel) entertainment.Frame {
	return entertainment.Frame{Seq: seq, Space: entertainment.XYB, Area: area, Channels: chs}
}

func ch(id uint8, x, y, bri float64) entertainment.Channel {
	return entertainment.Channel{ID: id, A: entertainment.Unit(x), B: entertainment.Unit(y), C: entertainment.Unit(bri)}
}

func send(t *testing.T, c *entertainment.Conn, f entertainment.Frame) {
	t.Helper()
	p, err := entertainment.Append(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(p); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or 5 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling, not synchronisation
	}
}

// streamUntil resends f until light lid shows x (a lost datagram is no
// failure: UDP may lose one).
func streamUntil(t *testing.T, b *Bridge, c *entertainment.Conn, f entertainment.Frame, lid string, x float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		send(t, c, f)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := b.WaitLight(ctx, lid, func(l LightState) bool { return l.XY[0] == x })
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("light %s never showed x=%v: %+v", lid, x, light(t, b, lid))
		}
	}
}

func area9(t *testing.T, b *Bridge) AreaStatus {
	t.Helper()
	st, ok := b.EntertainmentArea("9")
	if !ok {
		t.Fatal("group 9 is no Entertainment area")
	}
	return st
}

func TestEntertainmentConfigurationIsAViewOfTheGroup(t *testing.T) {
	_, c := streamWorld(t)
	r := c.get(V2ResourcePath + "/entertainment_configuration/" + area)
	if r.status != 200 {
		t.Fatalf("GET: %d %s", r.status, r.body)
	}
	ent := func(l string) string {
		return `{"service":{"rid":"` + V2ID("entertainment", l) + `","rtype":"entertainment"},"index":0}`
	}
	lightRef := func(l string) string { return `{"rid":"` + V2ID("light", l) + `","rtype":"light"}` }
	assertJSON(t, r.body, `{"errors":[],"data":[{"id":"`+area+`","id_v1":"/groups/9","type":"entertainment_configuration",
		"metadata":{"name":"TV area"},"name":"TV area","configuration_type":"screen","status":"inactive",
		"channels":[
			{"channel_id":0,"position":{"x":-0.6,"y":0.8,"z":0},"members":[`+ent("3")+`]},
			{"channel_id":1,"position":{"x":0.6,"y":0.8,"z":0},"members":[`+ent("5")+`]},
			{"channel_id":2,"position":{"x":0,"y":-0.9,"z":0},"members":[`+ent("7")+`]}],
		"light_services":[`+lightRef("3")+`,`+lightRef("5")+`,`+lightRef("7")+`]}]}`)
	if n := len(list(t, c, "entertainment_configuration")); n != 1 {
		t.Errorf("%d entertainment_configurations, want 1", n)
	}
	ents := list(t, c, "entertainment")
	if len(ents) != 8 {
		t.Errorf("%d entertainment services, want one per light", len(ents))
	}
	if e := byV1(t, ents, "/lights/3"); e.ID != V2ID("entertainment", "3") || e.Owner == nil || *e.Owner != (v2Ref{V2ID("device", "3"), "device"}) {
		t.Errorf("entertainment of light 3: %+v", e)
	}
	r = c.get(V2ResourcePath + "/entertainment/" + V2ID("entertainment", "5"))
	if !strings.Contains(string(r.body), `"renderer":true`) {
		t.Errorf("light 5 is no renderer: %s", r.body)
	}
	for _, path := range []string{"/entertainment_configuration/" + V2ID("entertainment_configuration", "1"), "/entertainment/" + area} {
		if r := c.get(V2ResourcePath + path); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, r.status)
		}
	}
}

// assertStreamer checks the area's status and active_streamer over v2:
// active with that application id, or inactive and none for "".
func assertStreamer(t *testing.T, c *client, appID string) {
	t.Helper()
	r := c.get(V2ResourcePath + "/entertainment_configuration/" + area)
	var got struct {
		Data []struct {
			Status   string `json:"status"`
			Streamer *v2Ref `json:"active_streamer"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil || len(got.Data) != 1 {
		t.Fatalf("GET area: %v %s", err, r.body)
	}
	d := got.Data[0]
	switch {
	case appID == "" && (d.Status != "inactive" || d.Streamer != nil):
		t.Errorf("area: %s, want inactive", r.body)
	case appID != "" && (d.Status != "active" || d.Streamer == nil || *d.Streamer != (v2Ref{appID, "auth_v1"})):
		t.Errorf("area: %s, want active by %s", r.body, appID)
	}
}

func TestEntertainmentStartAndStopOverV2(t *testing.T) {
	s, c := streamWorld(t)
	ok := `{"data":[{"rid":"` + area + `","rtype":"entertainment_configuration"}],"errors":[]}`
	for range 2 { // a second start by the streaming key changes nothing
		r := startArea(t, c, "start")
		if r.status != 200 {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		assertJSON(t, r.body, ok)
	}
	assertStreamer(t, c, ApplicationID(DefaultKey))
	v1 := decode(t, c.get(api("groups", "9")).body).(map[string]any)["stream"].(map[string]any)
	if v1["active"] != true || v1["owner"] != DefaultKey {
		t.Errorf("v1 stream after start: %v", v1)
	}
	if st := area9(t, s.Bridge); !st.Active || st.Streamer != ApplicationID(DefaultKey) || st.ID != area {
		t.Errorf("area after start: %+v", st)
	}
	if r := startArea(t, c, "stop"); r.status != 200 {
		t.Fatalf("stop: %d %s", r.status, r.body)
	}
	if st := area9(t, s.Bridge); st.Active || st.Streamer != "" {
		t.Errorf("area after stop: %+v", st)
	}
	assertStreamer(t, c, "")
	for path, body := range map[string]string{
		"/entertainment_configuration/" + V2ID("entertainment_configuration", "1"): `{"action":"start"}`,
		"/entertainment_configuration/" + area:                                     `{"action":"pause"}`,
	} {
		if r := c.put(V2ResourcePath+path, body); r.status != http.StatusNotFound && r.status != http.StatusBadRequest {
			t.Errorf("PUT %s %s: %d %s", path, body, r.status, r.body)
		}
	}
}

// unit is what a value in 0..1 is after a trip through a frame.
func unit(f float64) float64 { return entertainment.Float(entertainment.Unit(f)) }

func TestStreamFramesSetTheLights(t *testing.T) {
	s, c := streamWorld(t)
	b := s.Bridge
	startArea(t, c, "start")
	conn := dialOwn(t, s)
	f := xyb(1, ch(0, 0.2, 0.3, 0.5), ch(1, 0.4, 0.4, 0), ch(2, 0.6, 0.3, 1))
	streamUntil(t, b, conn, f, "3", unit(0.2))
	l3, l5, l7 := light(t, b, "3"), light(t, b, "5"), light(t, b, "7")
	if l3.XY != [2]float64{unit(0.2), unit(0.3)} || !l3.On || l3.Bri != 127 || l3.Brightness != unit(0.5)*100 || l3.ColorMode != "xy" {
		t.Errorf("light 3: %+v", l3)
	}
	if l5.On || l5.XY != [2]float64{unit(0.4), unit(0.4)} {
		t.Errorf("light 5 (brightness 0): %+v", l5)
	}
	if !l7.On || l7.Bri != 254 || l7.ColorMode != "xy" {
		t.Errorf("light 7: %+v", l7)
	}
	// v2 shows the streamed brightness unrounded.
	if d := byV1(t, list(t, c, "light"), "/lights/3").Dimming; d == nil || d.Brightness != unit(0.5)*100 {
		t.Errorf("v2 dimming of light 3: %+v", d)
	}
	frames := b.Frames()
	if len(frames) == 0 || frames[0].Area != area || frames[0].Seq != 1 || len(frames[0].Channels) != 3 || frames[0].Time.IsZero() {
		t.Errorf("frames: %+v", frames)
	}
	if st := b.StreamStats(); st.Accepted != len(frames) || st.Applied == 0 {
		t.Errorf("stats %+v, %d frames", st, len(frames))
	}
	if ss := b.StreamSessions(); len(ss) != 1 || ss[0].Identity != ApplicationID(DefaultKey) {
		t.Errorf("sessions: %+v", ss)
	}

	// RGB: pure red at half level.
	red := entertainment.Frame{Seq: 2, Space: entertainment.RGB, Area: area,
		Channels: []entertainment.Channel{{ID: 0, A: entertainment.Unit(0.5)}}}
	eventually(t, "red on light 3", func() bool {
		send(t, conn, red)
		l := light(t, b, "3")
		return l.XY[0] > 0.6 && l.Bri == 127
	})
}

// Frames sent far faster than 25 Hz reach the lights at most once a tick:
// the newest wins, nothing queues.
func TestStreamRelaysAtMost25Hz(t *testing.T) {
	s, c := streamWorld(t)
	b := s.Bridge
	startArea(t, c, "start")
	conn := dialOwn(t, s)
	began := time.Now()
	for i := range 200 {
		send(t, conn, xyb(uint8(i), ch(0, 0.1+float64(i)/1000, 0.3, 0.5)))
	}
	last := xyb(200, ch(0, 0.5, 0.3, 0.5))
	streamUntil(t, b, conn, last, "3", unit(0.5))
	elapsed := time.Since(began)
	st := area9(t, b)
	if most := int(elapsed/relayInterval) + 2; st.Applied > most || st.Applied < 1 {
		t.Errorf("%d frames applied in %v, want 1..%d", st.Applied, elapsed, most)
	}
	if accepted := b.StreamStats().Accepted; accepted <= st.Applied {
		t.Errorf("%d frames accepted, %d applied: nothing was coalesced", accepted, st.Applied)
	}
}

func TestStreamDropsFramesOfAnInactiveAreaOrAnotherApplication(t *testing.T) {
	s, c := streamWorld(t)
	b := s.Bridge
	before := light(t, b, "3")
	conn := dialOwn(t, s)
	send(t, conn, xyb(1, ch(0, 0.2, 0.3, 0.5))) // not started yet
	eventually(t, "a dropped frame", func() bool { return b.StreamStats().Dropped == 1 })

	// A second application with its own clientkey may open a session, but
	// not stream to the area the first one started.
	const otherCK = "FFEEDDCCBBAA99887766554433221100"
	b.mu.Lock()
	b.clientKeys["second-app-key"] = otherCK
	b.mu.Unlock()
	startArea(t, c, "start")
	other := dial(t, s, ApplicationID("second-app-key"), otherCK)
	send(t, other, xyb(2, ch(0, 0.2, 0.3, 0.5)))
	eventually(t, "another dropped frame", func() bool { return b.StreamStats().Dropped == 2 })
	if st := b.StreamStats(); st.Accepted != 0 || light(t, b, "3") != before || len(b.Frames()) != 0 {
		t.Errorf("a dropped frame landed: %+v, light 3 %+v", st, light(t, b, "3"))
	}

	// An identity without a clientkey gets no session.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := entertainment.Dial(ctx, "127.0.0.1", s.StreamPort(), ApplicationID("stranger"), otherCK); err == nil {
		t.Error("an unknown identity got a session")
	}
}

// waitClosed waits until the bridge's end of conn is gone: a read fails.
func waitClosed(t *testing.T, conn *entertainment.Conn) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	var ne net.Error
	if _, err := conn.Read(buf); err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("session still open: %v", err)
	}
}

func TestStreamSilenceEndsTheStream(t *testing.T) {
	s, c := streamWorld(t)
	b := s.Bridge
	b.SetStreamSilence(300 * time.Millisecond)
	startArea(t, c, "start")
	conn := dialOwn(t, s)
	streamUntil(t, b, conn, xyb(1, ch(0, 0.25, 0.3, 0.5)), "3", unit(0.25))
	waitClosed(t, conn)
	eventually(t, "the silent area to stop", func() bool { return !area9(t, b).Active && len(b.StreamSessions()) == 0 })
	// The lights keep what was streamed last.
	if l := light(t, b, "3"); l.XY[0] != unit(0.25) || l.Bri != 127 {
		t.Errorf("light 3 after the stream: %+v", l)
	}
	// Started and never streamed to: silent too.
	startArea(t, c, "start")
	eventually(t, "the area that got no frame to stop", func() bool { return !area9(t, b).Active })
}

func TestStreamStopEndsTheSession(t *testing.T) {
	s, c := streamWorld(t)
	b := s.Bridge
	startArea(t, c, "start")
	conn := dialOwn(t, s)
	streamUntil(t, b, conn, xyb(1, ch(2, 0.3, 0.2, 0.25)), "7", unit(0.3))
	if r := startArea(t, c, "stop"); r.status != 200 {
		t.Fatalf("stop: %d %s", r.status, r.body)
	}
	waitClosed(t, conn)
	eventually(t, "no sessions", func() bool { return len(b.StreamSessions()) == 0 })
	if l := light(t, b, "7"); l.XY[0] != unit(0.3) || l.Bri != 64 || !l.On {
		t.Errorf("light 7 after stop: %+v", l)
	}
}

func TestStreamInUseKnob(t *testing.T) {
	s, c := streamWorld(t)
	s.Bridge.SetStreamInUse(true)
	r := startArea(t, c, "start")
	if r.status != http.StatusConflict {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	assertJSON(t, r.body, `{"errors":[{"description":"entertainment configuration is in use by another application"}],"data":[]}`)
	assertStreamer(t, c, OtherApplicationID())
	// REST cannot reach the lights the other application streams to.
	if r := put2(t, c, "light", "3", `{"dimming":{"brightness":10}}`); r.status != 200 || light(t, s.Bridge, "3").Bri != 180 {
		t.Errorf("v2 PUT to a light in use: %d, %+v", r.status, light(t, s.Bridge, "3"))
	}
	s.Bridge.SetStreamInUse(false)
	if r := startArea(t, c, "start"); r.status != 200 {
		t.Errorf("start once free: %d %s", r.status, r.body)
	}
}

func TestStreamNoHandshakeKnob(t *testing.T) {
	s, _ := streamWorld(t)
	s.Bridge.SetStreamNoHandshake(true)
	for range 2 { // the second from another port; neither is answered
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := entertainment.Dial(ctx, "127.0.0.1", s.StreamPort(), ApplicationID(DefaultKey), testClientKey)
		cancel()
		if err == nil {
			t.Fatal("handshake through a port that answers nothing")
		}
	}
	s.Bridge.SetStreamNoHandshake(false)
	dialOwn(t, s)
}

func TestStreamRESTLeavesStreamedLightsAlone(t *testing.T) {
	s, c := streamWorld(t)
	b := s.Bridge
	v1 := c // v1 over https, as a gen2 bridge serves it
	startArea(t, c, "start")
	conn := dialOwn(t, s)
	streamUntil(t, b, conn, xyb(1, ch(0, 0.2, 0.3, 0.5)), "3", unit(0.2))
	streamed := light(t, b, "3")
	r := v1.put(api("lights", "3", "state"), `{"on":true,"bri":10,"ct":300}`)
	if !strings.Contains(string(r.body), `"success":{"/lights/3/state/bri":10}`) {
		t.Errorf("v1 command to a streamed light: %s", r.body)
	}
	if r := put2(t, c, "light", "3", `{"on":{"on":false}}`); r.status != 200 {
		t.Errorf("v2 command to a streamed light: %d %s", r.status, r.body)
	}
	v1.put(api("groups", "1", "action"), `{"bri":20}`) // lights 2, 3, 5, 7
	put2(t, c, "grouped_light", "1", `{"dimming":{"brightness":30}}`)
	if l := light(t, b, "3"); l != streamed {
		t.Errorf("REST changed a streamed light: %+v, was %+v", l, streamed)
	}
	if l := light(t, b, "2"); l.Bri != 76 {
		t.Errorf("light 2 (not streamed) missed the group commands: %+v", l)
	}
	startArea(t, c, "stop")
	v1.put(api("lights", "3", "state"), `{"bri":10}`)
	if l := light(t, b, "3"); l.Bri != 10 {
		t.Errorf("after stop REST does not reach light 3: %+v", l)
	}
}

func TestStreamEndsWithRestart(t *testing.T) {
	s, c := streamWorld(t)
	b := s.Bridge
	port := s.StreamPort()
	startArea(t, c, "start")
	conn := dialOwn(t, s)
	streamUntil(t, b, conn, xyb(1, ch(0, 0.2, 0.3, 0.5)), "3", unit(0.2))
	s.Stop()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if area9(t, b).Active || len(b.StreamSessions()) != 0 || s.StreamPort() != port {
		t.Fatalf("after restart: %+v, %d sessions, port %d (was %d)", area9(t, b), len(b.StreamSessions()), s.StreamPort(), port)
	}
	// The bridge streams again once the area is started again.
	startArea(t, c, "start")
	streamUntil(t, b, dialOwn(t, s), xyb(1, ch(0, 0.4, 0.3, 0.5)), "3", unit(0.4))
}
