package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCommandsOverTheCeilingGet429HTMLAndAreNotApplied(t *testing.T) {
	s := serve(t, newClock(), WithRate(3))
	c := newClient(t, s)
	var statuses []int
	for bri := 10; bri < 15; bri++ {
		r := c.put(api("lights", desk, "state"), fmt.Sprintf(`{"bri":%d}`, bri))
		statuses = append(statuses, r.status)
		if r.status == http.StatusTooManyRequests {
			if ct := r.header.Get("Content-Type"); ct != "text/html" {
				t.Errorf("429 content type %q", ct)
			}
			if !strings.Contains(string(r.body), "<title>429 Too Many Requests</title>") {
				t.Errorf("429 body %q", r.body)
			}
		}
	}
	if want := []int{200, 200, 200, 429, 429}; fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	if got := light(t, s.Bridge, desk).Bri; got != 12 {
		t.Errorf("bri %d, want 12: a refused command was applied", got)
	}
	if n := s.Bridge.Count429(); n != 2 {
		t.Errorf("Count429 = %d, want 2", n)
	}
	cmds := s.Bridge.Commands()
	if len(cmds) != 5 || cmds[4].Status != http.StatusTooManyRequests {
		t.Errorf("refused commands are missing from the log: %+v", cmds)
	}
}

func TestReadsDoNotCountAgainstTheCeiling(t *testing.T) {
	s := serve(t, newClock(), WithRate(1))
	c := newClient(t, s)
	c.put(api("lights", desk, "state"), `{"bri":10}`)
	for range 3 {
		if r := c.get(api("lights")); r.status != http.StatusOK {
			t.Fatalf("GET under a full ceiling: %d", r.status)
		}
	}
}

func TestGroupActionsCountAgainstTheCeiling(t *testing.T) {
	s := serve(t, newClock(), WithRate(1))
	c := newClient(t, s)
	c.put(api("groups", "1", "action"), `{"on":true}`)
	if r := c.put(api("groups", "1", "action"), `{"on":false}`); r.status != http.StatusTooManyRequests {
		t.Errorf("second group action: %d, want 429", r.status)
	}
	if g, _ := s.Bridge.Group("1"); !g.AllOn {
		t.Error("the refused group action was applied")
	}
}

func TestTheCeilingWindowSlides(t *testing.T) {
	clk := newClock()
	s := serve(t, clk, WithRate(2))
	c := newClient(t, s)
	status := func() int { return c.put(api("lights", desk, "state"), `{"alert":"select"}`).status }
	status()
	clk.Add(500 * time.Millisecond)
	status()
	clk.Add(499 * time.Millisecond)
	if got := status(); got != http.StatusTooManyRequests {
		t.Fatalf("two commands within 999 ms, third got %d, want 429", got)
	}
	clk.Add(time.Millisecond) // the first command leaves the window
	if got := status(); got != http.StatusOK {
		t.Fatalf("after the window slid: %d, want 200", got)
	}
	if got := status(); got != http.StatusTooManyRequests {
		t.Fatalf("the window is full again: %d, want 429", got)
	}
}

func TestRateCanBeLiftedAtRuntime(t *testing.T) {
	s := serve(t, newClock(), WithRate(1))
	c := newClient(t, s)
	c.put(api("lights", desk, "state"), `{"bri":10}`)
	s.Bridge.SetRate(0)
	for bri := 20; bri < 40; bri++ {
		if r := c.put(api("lights", desk, "state"), fmt.Sprintf(`{"bri":%d}`, bri)); r.status != http.StatusOK {
			t.Fatalf("bri %d without a ceiling: %d", bri, r.status)
		}
	}
	if got := light(t, s.Bridge, desk).Bri; got != 39 {
		t.Errorf("bri %d, want 39", got)
	}
}
