package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/entertainment"
)

// tvArea is the fixture's entertainment area, "TV area" (group 9).
var tvArea = emulator.V2ID("entertainment_configuration", "9")

// streamEmulator is `huegate emulate` with a stream, as a client sees it.
type streamEmulator struct {
	cmd    *bgCommand
	e      emulated
	client *http.Client
}

// startStreamEmulate runs a gen2 emulator with its link button pressed,
// logging JSON, with the extra flags given.
func startStreamEmulate(t *testing.T, args ...string) streamEmulator {
	t.Helper()
	dir := t.TempDir()
	args = append([]string{"emulate", "--listen", "127.0.0.1:0", "--latency", "0s", "--stream-port", "0",
		"--ca-dir", dir, "--link-button", "--log-format", "json"}, args...)
	c := startCommand(t, args...)
	c.waitStdout(t, `Command ceiling`)
	out := c.stdout.String()
	e := emulated{
		httpURL:    regexpFind(out, `HTTP URL: (\S+)`),
		httpsURL:   regexpFind(out, `HTTPS URL: (\S+)`),
		caFile:     regexpFind(out, `bridge\.ca_file: (.+)`),
		streamPort: regexpFind(out, `bridge\.stream_port: (\d+)`),
	}
	return streamEmulator{cmd: c, e: e, client: bridgeClient(t, e.caFile)}
}

func regexpFind(s, re string) string {
	if m := regexp.MustCompile(`(?m)^` + re + `$`).FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// pairForStream pairs as an application that streams: the clientkey.
func (s streamEmulator) pairForStream(t *testing.T) string {
	t.Helper()
	resp, err := http.Post(s.e.httpURL+"/api", "application/json", strings.NewReader(`{"devicetype":"test#stream","generateclientkey":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a []struct {
		Success struct{ ClientKey string } `json:"success"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || len(a) != 1 || a[0].Success.ClientKey == "" {
		t.Fatalf("pairing: %v %+v", err, a)
	}
	http.DefaultClient.CloseIdleConnections()
	return a[0].Success.ClientKey
}

// area sends a start or stop for the TV area and returns the status.
func (s streamEmulator) area(t *testing.T, action string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, s.e.httpsURL+emulator.V2ResourcePath+"/entertainment_configuration/"+tvArea, strings.NewReader(`{"action":"`+action+`"}`))
	req.Header.Set("hue-application-key", emulator.DefaultKey)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// areaView reads the TV area's entertainment_configuration.
func (s streamEmulator) areaView(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.e.httpsURL+emulator.V2ResourcePath+"/entertainment_configuration/"+tvArea, nil)
	req.Header.Set("hue-application-key", emulator.DefaultKey)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}

func (s streamEmulator) dial(t *testing.T, clientKey string, timeout time.Duration) (*entertainment.Conn, error) {
	t.Helper()
	port, _ := strconv.Atoi(s.e.streamPort)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := entertainment.Dial(ctx, "127.0.0.1", port, emulator.ApplicationID(emulator.DefaultKey), clientKey)
	if err == nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

// frameLines reads the complete lines of a frame log.
func frameLines(t *testing.T, path string) []frameLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []frameLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l frameLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("frame log line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// A session that starts the area, streams a frame and stops it shows in
// the log (who started and stopped it, and why; the session) and the
// frame in --frame-log, in 0..1.
func TestEmulateLogsTheStreamAndWritesTheFrameLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "frames.jsonl")
	s := startStreamEmulate(t, "--frame-log", path)
	key := s.pairForStream(t)
	if code := s.area(t, "start"); code != http.StatusOK {
		t.Fatalf("start: %d", code)
	}
	conn, err := s.dial(t, key, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	frame := entertainment.Frame{Seq: 9, Space: entertainment.XYB, Area: tvArea, Channels: []entertainment.Channel{
		{ID: 1, A: entertainment.Unit(0.25), B: entertainment.Unit(0.5), C: entertainment.Unit(0.75)}}}
	data, _ := entertainment.Append(nil, frame)
	deadline := time.Now().Add(10 * time.Second)
	for len(frameLines(t, path)) == 0 { // UDP may lose a datagram: send again
		if time.Now().After(deadline) {
			t.Fatal("no frame in the frame log")
		}
		if _, err := conn.Write(data); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // the pace of a stream, not synchronisation
	}
	if code := s.area(t, "stop"); code != http.StatusOK {
		t.Fatalf("stop: %d", code)
	}
	me := emulator.ApplicationID(emulator.DefaultKey)
	for _, want := range []map[string]string{
		{"message": "entertainment area started", "streamer": me, "area": tvArea},
		{"message": "stream session opened", "streamer": me},
		{"message": "entertainment area stopped", "streamer": me, "area": tvArea, "reason": "stop"},
		{"message": "stream session closed", "streamer": me},
	} {
		waitLogged(t, s.cmd, want)
	}

	l := frameLines(t, path)[0]
	ch := l.Channels[0]
	if l.Area != tvArea || l.Seq != 9 || l.Space != "xyb" || l.Time.IsZero() || len(l.Channels) != 1 || ch.ID != 1 ||
		ch.X == nil || *ch.X != entertainment.Float(frame.Channels[0].A) || *ch.Y != entertainment.Float(frame.Channels[0].B) ||
		*ch.Bri != entertainment.Float(frame.Channels[0].C) || ch.R != nil {
		t.Errorf("frame log line %+v", l)
	}
	if strings.Contains(s.cmd.stdout.String()+s.cmd.stderr.String(), key) {
		t.Error("the emulator printed the clientkey")
	}
}

// waitLogged polls the command's JSON log until a line holds every field
// of want.
func waitLogged(t *testing.T, c *bgCommand, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !logged(c.stderr.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no line with %v in the log:\n%s", want, c.stderr)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

func logged(log string, want map[string]string) bool {
	for _, line := range strings.Split(log, "\n") {
		var got map[string]any
		if json.Unmarshal([]byte(line), &got) != nil {
			continue
		}
		match := true
		for k, v := range want {
			if got[k] != v {
				match = false
			}
		}
		if match {
			return true
		}
	}
	return false
}

// --stream-in-use: the area shows another application streaming, and a
// start is refused.
func TestEmulateStreamInUse(t *testing.T) {
	s := startStreamEmulate(t, "--stream-in-use")
	view := s.areaView(t)
	if !strings.Contains(view, `"status":"active"`) || !strings.Contains(view, emulator.OtherApplicationID()) {
		t.Errorf("the area is not streamed by another application: %s", view)
	}
	if code := s.area(t, "start"); code != http.StatusConflict {
		t.Errorf("start: %d, want 409", code)
	}
	without := startStreamEmulate(t)
	if view := without.areaView(t); !strings.Contains(view, `"status":"inactive"`) {
		t.Errorf("without the flag: %s", view)
	}
}

// --stream-no-handshake: a handshake with the right key never completes;
// without the flag it does.
func TestEmulateStreamNoHandshake(t *testing.T) {
	s := startStreamEmulate(t, "--stream-no-handshake")
	if _, err := s.dial(t, s.pairForStream(t), 300*time.Millisecond); err == nil {
		t.Fatal("the handshake completed")
	}
	ok := startStreamEmulate(t)
	if _, err := ok.dial(t, ok.pairForStream(t), 5*time.Second); err != nil {
		t.Fatalf("without the flag: %v", err)
	}
}

// The stream flags are refused for a bridge that has no stream.
func TestEmulateRefusesStreamFlagsForTheOldBridge(t *testing.T) {
	for _, flag := range [][]string{{"--frame-log", "frames.jsonl"}, {"--stream-in-use"}, {"--stream-no-handshake"}} {
		got, _, code := runFor(t, append([]string{"emulate", "--mode", "old", "--listen", "127.0.0.1:0"}, flag...)...)
		if code != 2 || !strings.Contains(got, flag[0]) || !strings.Contains(got, "old bridge") {
			t.Errorf("%v: exit %d, %q", flag, code, got)
		}
	}
}
