package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/printable"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// attack is what a bridge, or whatever answers at its address, can put in
// an error description: set the terminal's title, clear the screen, make
// the text blink, ring the bell, and start a line that passes for one of
// huegate's own; a right-to-left override, a zero-width space and a C1
// control (NEL) follow.
const attack = "boom\x1b]0;PWNED\a\x1b[2J\x1b[5m\r\n16:20:00 INF bridge key accepted file=/etc/huegate/config.yaml\u202e\u200b\u0085"

// forgedLine is a line of output that starts as a console log line of
// huegate's own and is the attack's.
var forgedLine = regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d INF bridge key accepted`)

// noRawControls fails the test if out holds a character a terminal would
// obey rather than show (printable.Hidden), line breaks aside.
func noRawControls(t *testing.T, out string) {
	t.Helper()
	if i := strings.IndexFunc(out, func(r rune) bool { return r != '\n' && printable.Hidden(r) }); i >= 0 {
		t.Errorf("raw %q in the output: %q", []rune(out[i:])[0], out[max(0, i-80):min(len(out), i+80)])
	}
}

// A bridge that answers with that description, while `huegate run` starts
// (an error that stops it: the description is in the last thing it
// prints), while it runs (every command refused), and while it reloads the
// config (an error that rejects the reload, logged in the message): in
// console format nothing of it reaches the terminal raw, and no line is
// forged; in JSON format every line is valid JSON with every such
// character escaped, and decodes to exactly what the bridge said.
func TestABridgeErrorCannotWriteToTheTerminal(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"console", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			broker := mqtttest.StartMosquitto(t)
			bridge := huetest.NewServer(t, fixturePath)
			// NO_COLOR: every ESC in the output is then the bridge's.
			env := []string{"HUEGATE_BRIDGE_USERNAME=" + bridge.Bridge.Key(), "NO_COLOR=1"}
			cfg := configFile(t, simpleConfig(bridge.URL, broker.URL))
			var outputs []string

			// At start: "resource not available" is final, so huegate stops
			// and says why.
			bridge.Bridge.SetFaultError(hue.ErrTypeNotAvailable, attack)
			bridge.Bridge.SetFault(emulator.FaultError)
			p := startHuegate(t, env, "run", "--config", cfg, "--log-format", format)
			if code := p.wait(t, 15*time.Second); code != 2 {
				t.Fatalf("exit %d against a bridge refusing the config, want 2", code)
			}
			outputs = append(outputs, p.out.String())

			// Running: every command refused with error 901, and retried.
			bridge.Bridge.SetFault(emulator.FaultNone)
			bridge.Bridge.SetFaultError(hue.ErrTypeInternalBridge, attack)
			bridge.Bridge.SetCommandFault(emulator.FaultError)
			status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
			p = startHuegate(t, env, "run", "--config", cfg, "--log-format", format)
			status.WaitFor(t, 15*time.Second, isPayload("online"))
			mqtttest.Publish(t, broker.URL, "lights", []byte("66"), false)
			p.waitOutput(t, "bridge command failed", 10*time.Second)

			// A reload the bridge refuses: the problem is logged.
			bridge.Bridge.SetFaultError(hue.ErrTypeNotAvailable, attack)
			bridge.Bridge.SetFault(emulator.FaultError)
			if err := os.WriteFile(cfg, []byte(strings.Replace(simpleConfig(bridge.URL, broker.URL), `["Desk lamp", 5]`, "[5]", 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			p.waitOutput(t, "config reload rejected", 10*time.Second)
			stop(t, p)
			outputs = append(outputs, p.out.String())

			for _, out := range outputs {
				if !strings.Contains(out, "bridge error") {
					t.Fatalf("the bridge's error is not in the output, so the test proves nothing:\n%s", out)
				}
				if forged := forgedLine.FindString(out); forged != "" {
					t.Errorf("a forged line: %q", forged)
				}
				noRawControls(t, out)
			}
			if format == "console" {
				if want := `\x1b]0;PWNED\a\x1b[2J\x1b[5m\r\n16:20:00 INF bridge key accepted`; !strings.Contains(strings.Join(outputs, ""), want) {
					t.Errorf("the description is not shown escaped (%s)", want)
				}
				return
			}
			found := 0
			for _, out := range outputs {
				for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
					if strings.HasPrefix(line, "huegate: ") {
						break // why a run stopped, its last lines: not a log
					}
					var entry map[string]any
					if err := json.Unmarshal([]byte(line), &entry); err != nil {
						t.Errorf("not a JSON line (%v): %q", err, line)
					}
					for _, v := range entry {
						if s, ok := v.(string); ok && strings.Contains(s, attack) {
							found++
						}
					}
				}
			}
			if found < 2 {
				t.Errorf("the bridge's description decoded from %d lines, want the running and the reload's", found)
			}
		})
	}
}

// `huegate validate` prints what a bridge that did not answer said, and
// the keys of the file it does not know: shown, never obeyed, either.
func TestValidateShowsWhatItQuotesWithoutObeyingIt(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	s.Bridge.SetFaultError(hue.ErrTypeInternalBridge, attack)
	s.Bridge.SetFault(emulator.FaultError)
	// YAML's "\e" is ESC and "\a" BEL, in a key huegate does not know.
	path := configFile(t, hostConfig(s.URL, s.Bridge.Key())+`  "\e]0;KEY\a\r\n16:20:00 INF key": 1
mappings:
  - {topic: lights, lights: [3]}
`)
	out, errOut, code := cli(t, "validate", "--config", path)
	if code != 0 || !strings.Contains(errOut, "did not answer") || !strings.Contains(errOut, "unknown key") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	all := out + errOut
	noRawControls(t, all)
	if forged := regexp.MustCompile(`(?m)^16:20:00 INF`).FindString(all); forged != "" {
		t.Errorf("a forged line: %q\n%s", forged, all)
	}
}
