package main

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// The bridge key and the MQTT password must never be printed: not in help,
// not in logs at debug level, not in errors, whatever happens. huegate runs
// here through help, a refused password, a run with traffic and bridge
// faults, a refused key and a broken config, and every byte it printed is
// searched for each secret in the spellings it could take.
// (When huegate serves /metrics, add a scrape of it to outputs.)
func TestSecretsNeverAppearInAnythingHuegatePrints(t *testing.T) {
	t.Parallel()
	const (
		key       = "SecretBridgeKey-0123456789abcdefABCDEF"
		wrongKey  = "WrongBridgeKey-fedcba9876543210FEDCBA"
		password  = "Secret-Mqtt-Pa55/word!"
		wrongPass = "Wrong-Mqtt-Pa55:word?"
		user      = "huegate"
	)
	broker := mqtttest.StartMosquitto(t, "allow_anonymous false", "password_file "+mqtttest.PasswordFile(t, user, password))
	bridge := huetest.NewServer(t, fixturePath, huetest.WithKey(key))
	cfg := configFile(t, simpleConfig(bridge.URL, broker.URL, "", "  username: "+user))
	env := func(k, pw string) []string {
		return []string{"HUEGATE_BRIDGE_USERNAME=" + k, "HUEGATE_MQTT_PASSWORD=" + pw}
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

	// A normal run with traffic while the bridge misbehaves.
	p = startHuegate(t, env(key, password), "run", "--config", cfg, "--log-level", "debug")
	p.waitOutput(t, "huegate running", 15*time.Second)
	pub := authClient(t, broker.URL, user, password, nil)
	pub.subscribe(t, "huegate/status").waitFor(t, "online")
	for i, f := range []huetest.Fault{huetest.FaultErrorNoAddress, huetest.FaultHTTP503, huetest.FaultReset, huetest.FaultHang, huetest.FaultNone} {
		bridge.Bridge.SetFault(f)
		before := len(bridge.Bridge.Commands())
		if err := pub.c.Publish("lights", []byte(itoa(10+i)), false); err != nil {
			t.Fatal(err)
		}
		waitCommands(t, bridge.Bridge, before+1)
	}
	waitBridge(t, bridge.Bridge, 14, "3", "5")
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
	broken := configFile(t, "bridge: {host: "+bridge.URL+", username: "+key+", light_rate: fast}\nmqtt: {password: ["+password+"]}\n")
	p = startHuegate(t, nil, "run", "--config", broken)
	if code := p.wait(t, 10*time.Second); code != 2 {
		t.Errorf("exit code %d for a broken config, want 2", code)
	}
	outputs = append(outputs, p.out.String())

	all := strings.Join(outputs, "\n")
	for _, secret := range []string{key, wrongKey, password, wrongPass} {
		for _, spelling := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			if i := strings.Index(all, spelling); i >= 0 {
				t.Errorf("a secret appears in huegate's output: ...%s...", all[max(0, i-200):min(len(all), i+len(spelling)+50)])
			}
		}
	}
	if !strings.Contains(all, "<key>") || !strings.Contains(all, "mqtt.password") {
		t.Errorf("the output lacks the runs' evidence (a redacted path, the config problem):\n%s", all)
	}
	t.Logf("%d bytes of output from 7 runs, no secret in any", len(all))
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

func waitCommands(t *testing.T, b *huetest.Bridge, n int) {
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
