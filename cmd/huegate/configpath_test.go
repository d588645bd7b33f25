package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// place writes a config file at path, creating its directory.
func place(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("mqtt:\n  prefix: test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigSearchOrder(t *testing.T) {
	type setup struct{ cwd, xdg, etc, env, flag bool }
	cases := []struct {
		name string
		have setup
		want string // which one is found: cwd, xdg, etc, env, flag or "" for none
	}{
		{"nothing anywhere means the environment alone", setup{}, ""},
		{"/etc/huegate is the last resort", setup{etc: true}, "etc"},
		{"the XDG config dir comes before /etc", setup{xdg: true, etc: true}, "xdg"},
		{"./config.yaml comes before the XDG dir", setup{cwd: true, xdg: true, etc: true}, "cwd"},
		{"HUEGATE_CONFIG comes before every search path", setup{cwd: true, xdg: true, etc: true, env: true}, "env"},
		{"--config comes before HUEGATE_CONFIG", setup{cwd: true, env: true, flag: true}, "flag"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			cwd, _ := os.Getwd()
			paths := map[string]string{
				"cwd":  filepath.Join(cwd, "config.yaml"),
				"xdg":  filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "huegate", "config.yaml"),
				"etc":  filepath.Join(systemConfigDir, "config.yaml"),
				"env":  filepath.Join(t.TempDir(), "env.yaml"),
				"flag": filepath.Join(t.TempDir(), "flag.yaml"),
			}
			g := &globals{}
			for name, on := range map[string]bool{"cwd": tc.have.cwd, "xdg": tc.have.xdg, "etc": tc.have.etc, "env": tc.have.env, "flag": tc.have.flag} {
				if on {
					place(t, paths[name])
				}
			}
			if tc.have.env {
				t.Setenv("HUEGATE_CONFIG", paths["env"])
			}
			if tc.have.flag {
				g.configPath = paths["flag"]
			}
			got, err := g.locateConfig()
			if err != nil {
				t.Fatal(err)
			}
			if got != paths[tc.want] {
				t.Fatalf("found %q, want %q (%s)", got, paths[tc.want], tc.want)
			}
		})
	}
}

func TestXDGConfigHomeDefaultsToDotConfig(t *testing.T) {
	cleanEnv(t)
	home := os.Getenv("HOME")
	for _, xdg := range []string{"", "relative/dir"} { // unset, and relative (ignored by the spec)
		t.Setenv("XDG_CONFIG_HOME", xdg)
		want := place(t, filepath.Join(home, ".config", "huegate", "config.yaml"))
		got, err := (&globals{}).locateConfig()
		if err != nil || got != want {
			t.Fatalf("XDG_CONFIG_HOME=%q: found %q (%v), want %q", xdg, got, err, want)
		}
	}
}

func TestANamedConfigThatDoesNotExistIsExitCode2(t *testing.T) {
	cleanEnv(t)
	place(t, filepath.Join(systemConfigDir, "config.yaml")) // must not be used instead
	missing := filepath.Join(t.TempDir(), "nope.yaml")

	code, _, stderr := runCLI(t, "run", "--config", missing)
	if code != 2 || !strings.Contains(stderr, "config file "+missing+": no such file") || !strings.Contains(stderr, "huegate init") {
		t.Fatalf("--config: exit %d, stderr %q", code, stderr)
	}

	t.Setenv("HUEGATE_CONFIG", missing)
	code, _, stderr = runCLI(t, "run")
	if code != 2 || !strings.Contains(stderr, "config file "+missing+": no such file") {
		t.Fatalf("HUEGATE_CONFIG: exit %d, stderr %q", code, stderr)
	}
}

func TestABrokenSearchPathIsAnErrorNotSkipped(t *testing.T) {
	cleanEnv(t)
	place(t, filepath.Join(systemConfigDir, "config.yaml")) // must not be used instead
	// A file where the huegate directory should be: stat fails with ENOTDIR,
	// which is not "does not exist" (so is a directory without permission).
	place(t, filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "huegate"))
	_, err := (&globals{}).locateConfig()
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("err = %v", err)
	}
}

func TestRunSaysWhichConfigItLoaded(t *testing.T) {
	cleanEnv(t)
	// A key that makes start-up stop right after loading, with nothing to connect to.
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "huegate", "config.yaml")
	place(t, path)

	code, _, stderr := runCLI(t, "run", "--log-format", "json")
	if code != 2 || !strings.Contains(stderr, `"file":"`+path+`"`) || !strings.Contains(stderr, "config loaded") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "bridge.host: not set") {
		t.Fatalf("start-up did not go on to the bridge: %s", stderr)
	}
}

func TestRunWithoutAnyFileUsesTheEnvironment(t *testing.T) {
	cleanEnv(t)
	t.Setenv("HUEGATE_MQTT_QOS", "7") // only the environment can make this invalid

	code, _, stderr := runCLI(t, "run", "--log-format", "json")
	if code != 2 || !strings.Contains(stderr, "mqtt.qos: must be 0, 1 or 2, got 7") || !strings.Contains(stderr, "environment variables only") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}

	t.Setenv("HUEGATE_MQTT_QOS", "")
	code, _, stderr = runCLI(t, "run", "--log-format", "json")
	if code != 2 || !strings.Contains(stderr, "no config file; using environment variables and defaults") || !strings.Contains(stderr, systemConfigDir) {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}
