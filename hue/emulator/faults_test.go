package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

func TestFaultsAnswerBadlyAndChangeNothing(t *testing.T) {
	html := func(status int, title string) func(*testing.T, reply) {
		return func(t *testing.T, r reply) {
			if r.status != status || r.header.Get("Content-Type") != "text/html" || !strings.Contains(string(r.body), title) {
				t.Errorf("got %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
			}
		}
	}
	body := func(want string) func(*testing.T, reply) {
		return func(t *testing.T, r reply) {
			if r.status != http.StatusOK || string(r.body) != want {
				t.Errorf("got %d %q, want 200 %q", r.status, r.body, want)
			}
		}
	}
	asJSON := func(want string) func(*testing.T, reply) {
		return func(t *testing.T, r reply) {
			if r.status != http.StatusOK {
				t.Errorf("status %d", r.status)
			}
			assertJSON(t, r.body, want)
		}
	}
	cases := []struct {
		fault Fault
		check func(*testing.T, reply)
	}{
		{FaultHTTP503, html(503, "<title>503 Service Unavailable</title>")},
		{FaultHTTP429, html(429, "<title>429 Too Many Requests</title>")},
		{FaultBadJSON, body(`[{"success":`)},
		{FaultEmptyBody, body(``)},
		{FaultErrorNoAddress, asJSON(`[{"error":{"type":901,"description":"Internal error, 500"}}]`)},
		{FaultErrorNoDescription, asJSON(`[{"error":{"type":901,"address":"/lights/3/state"}}]`)},
		{FaultErrorStringType, asJSON(`[{"error":{"type":"901","address":"/lights/3/state","description":"Internal error, 500"}}]`)},
		{FaultError901, asJSON(`[{"error":{"type":901,"address":"/lights/3/state","description":"Internal error, 500"}}]`)},
		{FaultPartial, asJSON(`[{"success":{"/lights/3/state/bri":50}},{"error":{"type":901,"address":"/lights/3/state","description":"Internal error, 500"}}]`)},
		{FaultError, asJSON(`[{"error":{"type":901,"address":"/lights/3/state","description":"Internal error, 500"}}]`)},
	}
	for _, tc := range cases {
		t.Run(tc.fault.String(), func(t *testing.T) {
			s := serve(t, nil, WithFault(tc.fault))
			c := newClient(t, s)
			tc.check(t, c.put(api("lights", desk, "state"), `{"bri":50,"on":false}`))
			if r := c.get(api("lights")); r.status == http.StatusOK && json.Valid(r.body) && strings.HasPrefix(string(r.body), "{") {
				t.Errorf("GET escaped the fault: %.80s", r.body)
			}
			if st := light(t, s.Bridge, desk); st.Bri != 180 || !st.On {
				t.Errorf("the fault let the command through: %+v", st)
			}
			s.Bridge.SetFault(FaultNone)
			if r := c.get(api("lights", desk)); r.status != http.StatusOK || !json.Valid(r.body) {
				t.Errorf("after healing: %d %.80s", r.status, r.body)
			}
		})
	}
}

func TestFaultsSparePairingAndPublicConfig(t *testing.T) {
	s := serve(t, nil, WithFault(FaultHTTP503))
	c := newClient(t, s)
	if r := c.get("/api/config"); r.status != http.StatusOK || !json.Valid(r.body) {
		t.Errorf("public config under a fault: %d %s", r.status, r.body)
	}
	if r := c.do("POST", "/api", `{"devicetype":"a#b"}`); r.status != http.StatusOK || !json.Valid(r.body) {
		t.Errorf("pairing under a fault: %d %s", r.status, r.body)
	}
	assertJSON(t, c.get("/api/other-key/lights").body,
		`[{"error":{"type":1,"address":"/lights","description":"unauthorized user"}}]`)
}

// FaultError says whatever SetFaultError chose, bytes a terminal would
// obey included, to reads and commands alike, and as a command fault.
func TestFaultErrorAnswersTheChosenError(t *testing.T) {
	const desc = "boom\x1b]0;title\a\r\nfake line \u202e"
	s := serve(t, nil)
	s.Bridge.SetFaultError(3, desc)
	s.Bridge.SetFault(FaultError)
	c := newClient(t, s)
	want := func(address string) string {
		b, _ := json.Marshal([]any{map[string]any{"error": map[string]any{"type": 3, "address": address, "description": desc}}})
		return string(b)
	}
	assertJSON(t, c.get(api("lights")).body, want("/lights"))
	assertJSON(t, c.put(api("lights", desk, "state"), `{"bri":50}`).body, want("/lights/3/state"))
	if st := light(t, s.Bridge, desk); st.Bri != 180 {
		t.Errorf("the fault let the command through: %+v", st)
	}
	s.Bridge.SetFault(FaultNone)
	s.Bridge.SetCommandFault(FaultError)
	if r := c.get(api("lights")); r.status != http.StatusOK || !strings.HasPrefix(string(r.body), "{") {
		t.Errorf("reads under a command fault: %d %.80s", r.status, r.body)
	}
	assertJSON(t, c.put(api("lights", desk, "state"), `{"bri":50}`).body, want("/lights/3/state"))
}

func TestHugeBodyIsTenMiBOfValidJSON(t *testing.T) {
	s := serve(t, nil, WithFault(FaultHugeBody))
	r := newClient(t, s).get(api("lights"))
	if r.status != http.StatusOK || len(r.body) != HugeBodySize || !json.Valid(r.body) {
		t.Errorf("got %d, %d bytes, valid JSON %v", r.status, len(r.body), json.Valid(r.body))
	}
}

func TestResetDropsTheConnectionWithRST(t *testing.T) {
	s := serve(t, nil, WithFault(FaultReset))
	_, err := newClient(t, s).try(context.Background(), "PUT", api("lights", desk, "state"), `{"on":false}`)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("error %v, want connection reset by peer", err)
	}
	if err := s.Bridge.WaitRequests(timeout(t), 1); err != nil {
		t.Fatal(err)
	}
	if reqs := s.Bridge.Requests(); reqs[0].Status != 0 {
		t.Errorf("logged status %d for a reset, want 0", reqs[0].Status)
	}
	if !light(t, s.Bridge, desk).On {
		t.Error("a reset command was applied")
	}
}

func TestHangAnswersOnceTheFaultIsCleared(t *testing.T) {
	s := serve(t, nil, WithFault(FaultHang))
	c := newClient(t, s)
	done := make(chan reply, 1)
	go func() {
		r, err := c.try(context.Background(), "PUT", api("lights", desk, "state"), `{"bri":42}`)
		if err != nil {
			r.body = []byte(err.Error())
		}
		done <- r
	}()
	waitArrived(t, s.Bridge, 1)
	select {
	case r := <-done:
		t.Fatalf("answered while hanging: %d %s", r.status, r.body)
	default:
	}
	if light(t, s.Bridge, desk).Bri == 42 {
		t.Fatal("applied while hanging")
	}
	s.Bridge.SetFault(FaultNone)
	r := <-done
	assertJSON(t, r.body, `[{"success":{"/lights/3/state/bri":42}}]`)
	if light(t, s.Bridge, desk).Bri != 42 {
		t.Error("not applied after the hang was cleared")
	}
}

func TestHangEndsWhenTheClientGivesUp(t *testing.T) {
	s := serve(t, nil, WithFault(FaultHang))
	c := newClient(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.try(ctx, "GET", api("lights"), "")
		errc <- err
	}()
	waitArrived(t, s.Bridge, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client error %v, want context canceled", err)
	}
	// The handler must notice and return, or it would leak.
	if err := s.Bridge.WaitRequests(timeout(t), 1); err != nil {
		t.Fatal(err)
	}
	if st := s.Bridge.Requests()[0].Status; st != 0 {
		t.Errorf("logged status %d for an abandoned request, want 0", st)
	}
}

func TestFaultNamesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for f := FaultNone; f <= FaultError; f++ {
		name := f.String()
		if seen[name] || strings.HasPrefix(name, "Fault(") {
			t.Errorf("fault %d has name %q", int(f), name)
		}
		seen[name] = true
	}
	if got := Fault(99).String(); got != "Fault(99)" {
		t.Errorf("unknown fault prints %q", got)
	}
}
