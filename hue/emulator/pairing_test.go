package emulator

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

type pairAnswer []struct {
	Success *struct {
		Username  string `json:"username"`
		ClientKey string `json:"clientkey"`
	} `json:"success"`
	Error *struct {
		Type int `json:"type"`
	} `json:"error"`
}

func pair(t *testing.T, c *client, body string) pairAnswer {
	t.Helper()
	var a pairAnswer
	r := c.do("POST", "/api", body)
	if err := json.Unmarshal(r.body, &a); err != nil || len(a) != 1 {
		t.Fatalf("pairing answer %s: %v", r.body, err)
	}
	return a
}

// An app retries while the person walks to the bridge; the button is
// pressed some attempts later.
func TestPairingSucceedsOnceTheButtonIsPressed(t *testing.T) {
	s := serve(t, nil)
	c := newClient(t, s)
	ctx := timeout(t)
	got := make(chan string, 1)
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			r, err := c.try(ctx, "POST", "/api", `{"devicetype":"huegate#test"}`)
			var a pairAnswer
			if err == nil && json.Unmarshal(r.body, &a) == nil && len(a) == 1 && a[0].Success != nil {
				got <- a[0].Success.Username
				return
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				got <- "gave up"
				return
			}
		}
	}()
	if err := s.Bridge.WaitRequests(ctx, 3); err != nil {
		t.Fatal(err)
	}
	s.Bridge.PressLinkButton()
	if key := <-got; key != DefaultKey {
		t.Fatalf("paired with %q, want %q", key, DefaultKey)
	}
	if a := pair(t, c, `{"devicetype":"second#app"}`); a[0].Error == nil || a[0].Error.Type != 101 {
		t.Error("one press paired two apps")
	}
}

func TestPairingCanGenerateAClientKey(t *testing.T) {
	s := serve(t, nil)
	s.Bridge.PressLinkButton()
	a := pair(t, newClient(t, s), `{"devicetype":"huegate#test","generateclientkey":true}`)
	if a[0].Success == nil || !regexp.MustCompile(`^[0-9A-F]{32}$`).MatchString(a[0].Success.ClientKey) {
		t.Errorf("answer %+v has no 32-hex clientkey", a[0].Success)
	}
}

func TestLinkButtonIsReleasedAfterThirtySeconds(t *testing.T) {
	clk := newClock()
	s := serve(t, clk)
	c := newClient(t, s)
	linkbutton := func() any { return decode(t, c.get(api("config")).body).(map[string]any)["linkbutton"] }
	s.Bridge.PressLinkButton()
	clk.Add(LinkButtonWindow - time.Second)
	if linkbutton() != true {
		t.Error("config does not show the button pressed")
	}
	clk.Add(time.Second)
	if linkbutton() != false {
		t.Error("config still shows the button pressed after 30 s")
	}
	if a := pair(t, c, `{"devicetype":"huegate#test"}`); a[0].Error == nil || a[0].Error.Type != 101 {
		t.Error("paired after the button was released")
	}
}

func TestPairingRefusesBadBodies(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"not JSON", `devicetype=x`, `[{"error":{"type":2,"address":"/","description":"body contains invalid json"}}]`},
		{"no devicetype", `{"name":"x"}`, `[{"error":{"type":5,"address":"/","description":"invalid/missing parameters in body"}}]`},
		{"devicetype too long", `{"devicetype":"huegate#a-host-name-far-too-long-for-a-bridge"}`,
			`[{"error":{"type":7,"address":"/devicetype","description":"invalid value, huegate#a-host-name-far-too-long-for-a-bridge, for parameter, devicetype"}}]`},
	}
	s := serve(t, nil)
	s.Bridge.PressLinkButton()
	c := newClient(t, s)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assertJSON(t, c.do("POST", "/api", tc.body).body, tc.want) })
	}
	if a := pair(t, c, `{"devicetype":"huegate#test"}`); a[0].Success == nil {
		t.Error("a refused body used up the button press")
	}
}

// The emulator has no button: an app with a key presses it over the API.
func TestAnAppWithAKeyPressesTheLinkButton(t *testing.T) {
	s := serve(t, newClock())
	c := newClient(t, s)
	if a := pair(t, c, `{"devicetype":"huegate#test"}`); a[0].Error == nil || a[0].Error.Type != 101 {
		t.Fatal("paired before the button was pressed")
	}
	if got := string(c.put(api("config"), `{"linkbutton":false}`).body); !strings.Contains(got, `"type":8`) {
		t.Errorf("linkbutton false answered %s", got)
	}
	if got := string(c.put(api("config"), `{"linkbutton":true}`).body); got != `[{"success":{"/config/linkbutton":true}}]` {
		t.Fatalf("linkbutton true answered %s", got)
	}
	if a := pair(t, c, `{"devicetype":"huegate#test"}`); a[0].Success == nil {
		t.Fatalf("not paired after the button was pressed: %+v", a[0])
	}
}
