package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// The bridge key and the MQTT passwords must never be printed: not in help,
// not in logs at debug level, not in errors, whatever happens. huegate runs
// here through help, a refused password, a run with traffic and bridge
// faults, the built-in broker with a user and a wrong login, a refused key
// and a broken config, and every byte it printed is searched for each secret
// in the spellings it could take.
// What huegate serves over HTTP (/metrics, /healthz) is searched too.
func TestSecretsNeverAppearInAnythingHuegatePrints(t *testing.T) {
	t.Parallel()
	const (
		key       = "SecretBridgeKey-0123456789abcdefABCDEF"
		wrongKey  = "WrongBridgeKey-fedcba9876543210FEDCBA"
		password  = "Secret-Mqtt-Pa55/word!"
		wrongPass = "Wrong-Mqtt-Pa55:word?"
		pageToken = "Secret-Page-Token-0123456789"
		clientKey = "0F1E2D3C4B5A69788796A5B4C3D2E1F0"
		user      = "huegate"
	)
	broker := mqtttest.StartMosquitto(t, "allow_anonymous false", "password_file "+mqtttest.PasswordFile(t, user, password))
	bridge := huetest.NewServer(t, fixturePath, emulator.WithKey(key))
	cfg := configFile(t, simpleConfig(bridge.URL, broker.URL, "", "  username: "+user))
	env := func(k, pw string) []string {
		return []string{"HUEGATE_BRIDGE_USERNAME=" + k, "HUEGATE_MQTT_PASSWORD=" + pw, "HUEGATE_BRIDGE_CLIENTKEY=" + clientKey}
	}
	var outputs []string

	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"version"}} {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), env(key, password)...)
		out, _ := cmd.CombinedOutput()
		outputs = append(outputs, string(out))
	}

	// The broker refuses the password: huegate keeps trying, and says so.
	p := startHuegate(t, env(key, wrongPass), "run", "--config", cfg, "--log-level", "debug")
	p.waitOutput(t, "not Authorized", 10*time.Second)
	stop(t, p)
	outputs = append(outputs, p.out.String())

	// A normal run with traffic while the bridge misbehaves, and the
	// control page open with a token.
	p = startHuegate(t, append(env(key, password), "HUEGATE_HTTP_AUTH_TOKEN="+pageToken), "run", "--config", cfg, "--log-level", "debug")
	p.waitOutput(t, "huegate running", 15*time.Second)
	pub := authClient(t, broker.URL, user, password, nil)
	pub.subscribe(t, "huegate/status").waitFor(t, "online")
	for i, f := range []emulator.Fault{emulator.FaultErrorNoAddress, emulator.FaultHTTP503, emulator.FaultReset, emulator.FaultHang, emulator.FaultNone} {
		bridge.Bridge.SetFault(f)
		before := len(bridge.Bridge.Commands())
		if err := pub.c.Publish("lights", []byte(itoa(10+i)), false); err != nil {
			t.Fatal(err)
		}
		waitCommands(t, bridge.Bridge, before+1)
	}
	waitBridge(t, bridge.Bridge, 14, "3", "5")
	outputs = append(outputs, scrape(t, p)...)
	outputs = append(outputs, scrapePage(t, p, pageToken)...)
	stop(t, p)
	outputs = append(outputs, p.out.String())

	// The built-in broker with a user, and a client trying a wrong password.
	embedded := configFile(t, simpleConfig(bridge.URL, "embedded", "",
		"  listen: 127.0.0.1:0\n  ws_listen: \"\"\n  users:\n    - {username: dimmer, password: \""+password+"\"}"))
	p = startHuegate(t, env(key, ""), "run", "--config", embedded, "--log-level", "debug")
	p.waitOutput(t, "huegate running", 15*time.Second)
	addr := logField(t, p, "built-in broker listening", "tcp")
	for _, pw := range []string{wrongPass, password} {
		c := authClient(t, "tcp://"+addr, "dimmer", pw, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_ = c.c.Connect(ctx)
		cancel()
		c.c.Close(time.Second)
	}
	outputs = append(outputs, scrape(t, p)...)
	stop(t, p)
	outputs = append(outputs, p.out.String())

	// The bridge refuses the key: huegate stops at once and says how to get one.
	p = startHuegate(t, env(wrongKey, password), "run", "--config", cfg)
	if code := p.wait(t, 10*time.Second); code == 0 {
		t.Error("huegate ran with a key the bridge refuses")
	}
	p.waitOutput(t, "huegate pair", time.Second)
	outputs = append(outputs, p.out.String())

	// A broken config that holds both secrets.
	broken := configFile(t, "bridge: {host: "+bridge.URL+", username: "+key+", clientkey: ["+clientKey+"], light_rate: fast}\nmqtt: {password: ["+password+"]}\n")
	p = startHuegate(t, nil, "run", "--config", broken)
	if code := p.wait(t, 10*time.Second); code != 2 {
		t.Errorf("exit code %d for a broken config, want 2", code)
	}
	outputs = append(outputs, p.out.String())

	all := strings.Join(outputs, "\n")
	for _, secret := range []string{key, wrongKey, password, wrongPass, pageToken, clientKey, strings.ToLower(clientKey)} {
		for _, spelling := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			if i := strings.Index(all, spelling); i >= 0 {
				t.Errorf("a secret appears in huegate's output: ...%s...", all[max(0, i-200):min(len(all), i+len(spelling)+50)])
			}
		}
	}
	if !strings.Contains(all, "<key>") || !strings.Contains(all, "mqtt.password") {
		t.Errorf("the output lacks the runs' evidence (a redacted path, the config problem):\n%s", all)
	}
	t.Logf("%d bytes of output from 8 runs, 2 metrics scrapes and the control page, no secret in any", len(all))
}

// scrapePage is what the control page gets: the page itself and what its
// socket sends until the bridge's state has arrived.
func scrapePage(t *testing.T, p *process, token string) []string {
	t.Helper()
	page := logField(t, p, "serving metrics and health", "page")
	req, _ := http.NewRequest(http.MethodGet, page, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s with the token: %s", page, resp.Status)
	}
	out := []string{string(body)}
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(page, "http://", "ws://", 1)+"ws", http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for !strings.Contains(strings.Join(out, ""), "huegate/lights/desk-lamp/state") {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("page socket: %v after %d messages", err, len(out)-1)
		}
		out = append(out, string(msg))
	}
	return out
}

// scrape fetches what huegate serves over HTTP, found from its log.
func scrape(t *testing.T, p *process) []string {
	t.Helper()
	var out []string
	for _, field := range []string{"metrics", "health"} {
		u := logField(t, p, "serving metrics and health", field)
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK && field == "metrics" {
			t.Fatalf("GET %s: %v %s", u, err, resp.Status)
		}
		out = append(out, string(body))
	}
	return out
}

// logField finds huegate's JSON log line with message msg and returns field.
func logField(t *testing.T, p *process, msg, field string) string {
	t.Helper()
	p.waitOutput(t, msg, 10*time.Second)
	for _, line := range strings.Split(p.out.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["message"] != msg {
			continue
		}
		if v, ok := m[field].(string); ok {
			return v
		}
	}
	t.Fatalf("no %q in the log line %q", field, msg)
	return ""
}

// stop sends SIGTERM and waits for a clean exit.
func stop(t *testing.T, p *process) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
}

func waitCommands(t *testing.T, b *emulator.Bridge, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(b.Commands()) < n {
		if ctx.Err() != nil {
			t.Fatalf("%d commands, want %d", len(b.Commands()), n)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
