package main

import (
	"os"
	"strings"
	"testing"

	"github.com/huegate/huegate/internal/testkit"
)

// runCLI runs huegate with args in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut testkit.Buffer
	code = execute(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// cleanEnv hides the caller's HUEGATE_* variables and config locations, so a
// developer's own setup cannot change what a test sees.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "HUEGATE_") {
			t.Setenv(k, "") // viper ignores empty variables
		}
	}
	t.Setenv("HUEGATE_HTTP_LISTEN", "127.0.0.1:0") // as in TestMain: never the fixed metrics port
	for _, k := range []string{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"} {
		t.Setenv(k, "")
		os.Unsetenv(k) // t.Setenv restores the old value afterwards
	}
	dir := t.TempDir()
	t.Setenv("HOME", dir+"/home")
	t.Setenv("XDG_CONFIG_HOME", dir+"/xdg")
	old := systemConfigDir
	systemConfigDir = dir + "/etc/huegate"
	t.Cleanup(func() { systemConfigDir = old })
	t.Chdir(t.TempDir())
}
