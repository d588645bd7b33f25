package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const unitFile = "../../deploy/huegate.service"

// TestSystemdUnitVerifies runs `systemd-analyze verify` on the unit. It
// exits 0 even for unknown or misspelt settings, so any line it prints
// about the unit fails the test.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not found (not a systemd machine): deploy/huegate.service not verified")
	}
	unit, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	// verify checks that ExecStart's program exists and is executable; the
	// installed path does not exist here, so point it at this test binary.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(unit), "ExecStart=/usr/local/bin/huegate ", "ExecStart="+self+" ", 1)
	if text == string(unit) {
		t.Fatal("ExecStart=/usr/local/bin/huegate not found in the unit")
	}
	path := filepath.Join(t.TempDir(), "huegate.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "huegate.service") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
}

// TestSystemdUnitRunsTheDaemonSafely checks the settings the daemon's
// behaviour depends on, which verify cannot judge.
func TestSystemdUnitRunsTheDaemonSafely(t *testing.T) {
	unit, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Type=notify",                // notify.go sends READY=1
		"WatchdogSec=",               // notify.go pings at half of it
		"Restart=on-failure",         //
		"RestartPreventExitStatus=2", // exit code 2 is an invalid config (loadConfig)
		"DynamicUser=yes",
		"LoadCredential=config.yaml:/etc/huegate/config.yaml", // a 0600 root file the dynamic user cannot open itself
		"ExecStart=/usr/local/bin/huegate run --config ${CREDENTIALS_DIRECTORY}/config.yaml",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", // AF_UNIX: the notify socket and the journal
	} {
		if !strings.Contains(string(unit), "\n"+want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
}

// TestDockerfileFollowsTheModule keeps the image's Go in step with go.mod and
// its build stamped like `make release`. (No Docker engine here to build it.)
func TestDockerfileFollowsTheModule(t *testing.T) {
	df, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if goLine == nil {
		t.Fatal("go.mod: no go directive")
	}
	for _, want := range []string{
		"FROM golang:" + string(goLine[1]) + " AS build",
		"CGO_ENABLED=0 go build -trimpath",
		"-X main.version=${VERSION} -X main.commit=${COMMIT}",
		"./cmd/huegate",
		"USER nonroot",
		`"--config", "/etc/huegate/config.yaml"`,
	} {
		if !strings.Contains(string(df), want) {
			t.Errorf("deploy/Dockerfile lacks %q", want)
		}
	}
}
