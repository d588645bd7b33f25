package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/browsertest"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// These tests drive the control page in a real browser (Debian's
// chromium), against huegate built by app.New with a real Mosquitto and
// the bridge emulator.

// slider is the CSS selector of the mapping's slider for the shared topic.
const lightsSlider = `input[data-topic="lights"]`

// openPage opens url in a new tab of size w x h and waits until the page
// is live and laid out.
func openPage(t *testing.T, b *browsertest.Browser, url string, w, h int64) context.Context {
	t.Helper()
	ctx := b.Tab(t, 60*time.Second)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(w, h),
		chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](`document.querySelector("#st-page.ok") && document.querySelector('`+lightsSlider+`') && document.querySelector('[data-state-topic="huegate/lights/desk-lamp/state"].on')`,
			chromedp.WithPollingTimeout(10*time.Second)),
	)
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	return ctx
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitPage waits until the expression is truthy in the page.
func waitPage(t *testing.T, ctx context.Context, timeout time.Duration, js string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(timeout))); err != nil {
		t.Fatalf("waiting for %s: %v", js, err)
	}
}

// A hand drags the mapping's slider across its range quickly:
// the page publishes as it moves, and both lights end at the value where
// the hand let go, without a single 429 from the bridge.
func TestBrowserSliderDragLandsTheFinalValue(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 100*time.Millisecond, pageMappings)
	ctx := openPage(t, browsertest.Start(t), s.httpURL, 1000, 800)
	box := eval[[]float64](t, ctx, `(() => { const r = document.querySelector('`+lightsSlider+`').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	y := box[1] + box[3]/2
	from, to := box[0]+2, box[0]+box[2]*0.73
	// Each move waits for the browser to take it, which paces the hand:
	// a few milliseconds a step.
	steps := 25
	actions := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, from, y, chromedp.ButtonLeft)}
	for i := 1; i <= steps; i++ {
		x := from + (to-from)*float64(i)/float64(steps)
		actions = append(actions, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y, chromedp.ButtonLeft))
	}
	actions = append(actions, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, to, y, chromedp.ButtonLeft))
	start := time.Now()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
	// On an idle machine the drag takes a few hundred milliseconds, 25
	// values for 2 lights, well beyond the bridge's 10 commands a second.
	// A loaded machine paces the browser too; the outcome must not change.
	t.Logf("the drag took %v", time.Since(start))
	final := eval[string](t, ctx, `document.querySelector('`+lightsSlider+`').value`)
	var v float64
	if _, err := fmt.Sscan(final, &v); err != nil || v < 600 || v > 850 {
		t.Fatalf("slider ended at %q; the drag did not move it to about 73%%", final)
	}
	want := int(mapping.Range{Min: 0, Max: 1023}.Level(v).Bri)
	for _, id := range []string{"3", "5"} {
		waitLight(t, s.bridge.Bridge, id, func(l emulator.LightState) bool { return l.On && l.Bri == want })
	}
	if n := s.bridge.Bridge.Count429(); n != 0 {
		t.Errorf("the bridge answered 429 %d times", n)
	}
	// The lamp's card catches up with the bridge, and the echoes of the
	// drag's earlier values never pulled the slider back.
	waitPage(t, ctx, 5*time.Second, fmt.Sprintf(`document.querySelector('input[aria-label="Desk lamp brightness"]').value === "%d"`, want))
	waitPage(t, ctx, 5*time.Second, `document.querySelector('`+lightsSlider+`').nextElementSibling.textContent === "`+final+`"`)
	if now := eval[string](t, ctx, `document.querySelector('`+lightsSlider+`').value`); now != final {
		t.Errorf("the slider moved from %s to %s after the hand let go", final, now)
	}
	sent := 0
	for _, c := range s.bridge.Bridge.Commands() {
		if strings.Contains(c.Path, "/lights/3/") {
			sent++
		}
	}
	t.Logf("slider ended at %s (bri %d); desk lamp got %d commands", final, want, sent)
}

// The page reads a shared topic's payload as huegate does: for each
// payload a client might publish, the slider's position stands for the
// level huegate sends.
func TestBrowserReadsSharedValuesAsHuegateDoes(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), time.Hour, pageMappings)
	ctx := openPage(t, browsertest.Start(t), s.httpURL, 1000, 800)
	r := mapping.Range{Min: 0, Max: 1023}
	for _, p := range []string{"512", " 1023\n", "2e2", "-5", "5000", "50%", "150%", "ON", "off", "False", "true",
		`{"state":"ON","brightness":100}`, `{"state":"off","brightness":100}`, `{"brightness":"300"}`, `{"state":"ON"}`, `{"state":true}`, `{"state":"ON","brightness":1e2}`, `[1]`, `{"brightness":null}`,
		"0x10", "1_000", "NaN", "Infinity", "", "{", `{"state":"dim"}`, "12abc"} {
		js, _ := json.Marshal(p)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[*float64](fmt.Sprintf(`mappingValue(%s, 0, 1023)`, js)))
		if err != nil {
			t.Fatal(err)
		}
		level, perr := mapping.Parse([]byte(p), r)
		switch {
		case perr != nil || level.On && level.Bri == 0: // refused, or ON keeping the brightness
			if got != nil {
				t.Errorf("%q: the page shows %v; huegate sends no level", p, *got)
			}
		case got == nil:
			t.Errorf("%q: the page shows nothing; huegate sends %+v", p, level)
		case r.Level(*got) != level:
			t.Errorf("%q: the page shows %v (%+v); huegate sends %+v", p, *got, r.Level(*got), level)
		}
	}
}

// A light's switch and a group's scene button reach the bridge; a change
// made on the bridge (the Hue app) shows on the page within a second.
func TestBrowserSwitchSceneAndLiveState(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 100*time.Millisecond, pageMappings)
	ctx := openPage(t, browsertest.Start(t), s.httpURL, 1000, 800)

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[aria-label="Desk lamp on/off"]`))); err != nil {
		t.Fatal(err)
	}
	waitLight(t, s.bridge.Bridge, "3", func(l emulator.LightState) bool { return !l.On })

	relax := `[...document.querySelectorAll('[data-state-topic="huegate/groups/living-room/state"] button')].find(b => b.textContent === "Relax")`
	eval[chromedp.Void](t, ctx, relax+`.click()`)
	waitCommand(t, s.bridge.Bridge, "/groups/1/action", "R3laxLivingRm01")

	if err := s.bridge.Bridge.SetLightState("5", map[string]any{"on": true, "bri": 77}); err != nil {
		t.Fatal(err)
	}
	changed := time.Now()
	waitPage(t, ctx, 2*time.Second, `document.querySelector('input[aria-label="Spot #1 brightness"]').value === "77"`)
	if d := time.Since(changed); d > time.Second {
		t.Errorf("the page showed the bridge's change after %v; want within 1 s", d)
	}
}

// Two pages open at once: what one sets, the other shows.
func TestBrowserSecondPageSeesTheFirst(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 100*time.Millisecond, pageMappings)
	b := browsertest.Start(t)
	one, two := openPage(t, b, s.httpURL, 1000, 800), openPage(t, b, s.httpURL, 1000, 800)
	eval[chromedp.Void](t, one, `(() => { const s = document.querySelector('`+lightsSlider+`');
		s.value = "300"; s.dispatchEvent(new Event("input")); s.dispatchEvent(new Event("change")); })()`)
	waitPage(t, two, 5*time.Second, `document.querySelector('`+lightsSlider+`').value === "300"`)
	want := int(mapping.Range{Min: 0, Max: 1023}.Level(300).Bri)
	waitLight(t, s.bridge.Bridge, "3", func(l emulator.LightState) bool { return l.Bri == want })
	// The second page sees the light's new state too.
	waitPage(t, two, 5*time.Second, fmt.Sprintf(`document.querySelector('input[aria-label="Desk lamp brightness"]').value === "%d"`, want))
}

// On a phone's screen the page fits its width, every slider is wide
// enough for a thumb, and it loads nothing from anywhere but huegate.
func TestBrowserPageFitsAPhoneAndLoadsNothingElse(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), time.Hour, pageMappings)
	ctx := openPage(t, browsertest.Start(t), s.httpURL, 390, 844)
	if over := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); over {
		t.Errorf("the page is wider than a 390 px screen: scrollWidth %v", eval[float64](t, ctx, `document.documentElement.scrollWidth`))
	}
	narrow := eval[int](t, ctx, `[...document.querySelectorAll('input[type=range]')].filter(r => r.getBoundingClientRect().width < 150).length`)
	if narrow > 0 {
		t.Errorf("%d sliders are narrower than 150 px on a phone", narrow)
	}
	foreign := eval[[]string](t, ctx, `performance.getEntriesByType("resource").map(e => e.name).filter(u => !u.startsWith(location.origin) && !u.startsWith("data:"))`)
	if len(foreign) > 0 {
		t.Errorf("the page loaded from elsewhere: %v", foreign)
	}
}

// With http.auth_token set the browser gets nothing without it, nothing
// with a wrong one, and the page, working, after opening /?token=... once;
// the token then leaves the address bar.
func TestBrowserPageWithAToken(t *testing.T) {
	const token = "page-token-0123456789"
	s := startHuegateHTTP(t, mqtttest.StartMosquitto(t), 100*time.Millisecond, "  auth_token: "+token+"\n", pageMappings)
	ctx := browsertest.Start(t).Tab(t, 60*time.Second)
	for _, path := range []string{"/", "/?token=wrong-token-0000"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(s.httpURL+path)); err != nil {
			t.Fatal(err)
		}
		body := eval[string](t, ctx, `document.body.innerText`)
		if strings.Contains(body, "Shared topics") || !strings.Contains(body, "token") {
			t.Errorf("%s without the right token shows: %q", path, body)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.httpURL+"/?token="+token)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, 10*time.Second, `document.querySelector("#st-page.ok") && document.querySelector('input[aria-label="Desk lamp on/off"]')`)
	if loc := eval[string](t, ctx, `location.href`); strings.Contains(loc, token) {
		t.Errorf("the token stayed in the address: %s", loc)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[aria-label="Desk lamp on/off"]`))); err != nil {
		t.Fatal(err)
	}
	waitLight(t, s.bridge.Bridge, "3", func(l emulator.LightState) bool { return !l.On })
	if html := eval[string](t, ctx, `document.documentElement.outerHTML + document.cookie`); strings.Contains(html, token) {
		t.Error("the token is in the page")
	}
}

// TestBrowserScreenshot writes the README's screenshots, page.png and
// page-phone.png, into the directory HUEGATE_SCREENSHOTS names (make
// screenshot does).
func TestBrowserScreenshot(t *testing.T) {
	dir := os.Getenv("HUEGATE_SCREENSHOTS") // before startHuegate hides HUEGATE_*
	if dir == "" {
		t.Skip("HUEGATE_SCREENSHOTS not set")
	}
	s := startHuegate(t, mqtttest.StartMosquitto(t), 100*time.Millisecond, pageMappings+
		"  - {topic: lamp/knob, lights: [\"Küche Decke\"], range: [0, 1023]}\n  - {topic: hall, groups: [\"Hall lights\"]}\n")
	mqtttest.Publish(t, s.broker.URL, "lights", []byte("700"), true)
	waitLight(t, s.bridge.Bridge, "5", func(l emulator.LightState) bool { return l.On })
	b := browsertest.Start(t)
	for _, shot := range []struct {
		name string
		w, h int64
	}{{"page.png", 1100, 900}, {"page-phone.png", 390, 844}} {
		ctx := openPage(t, b, s.httpURL, shot.w, shot.h)
		waitPage(t, ctx, 5*time.Second, `document.querySelector('`+lightsSlider+`').value === "700"`)
		screenshot(t, ctx, filepath.Join(dir, shot.name))
	}
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// waitCommand waits until the bridge got a command on a path holding want.
func waitCommand(t *testing.T, b *emulator.Bridge, path, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range b.Commands() {
			if strings.Contains(c.Path, path) && strings.Contains(string(c.Body), want) {
				return
			}
		}
		select {
		case <-b.Changed():
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no command on %s with %s: %v", path, want, b.Commands())
}
