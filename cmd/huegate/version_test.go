package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestVersionPrintsStampedValuesAndTheGoVersion(t *testing.T) {
	out, _, code := cli(t, "version")
	if code != 0 || !strings.HasPrefix(out, "huegate ") || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("exit %d: %q", code, out)
	}
	oldV, oldC := version, commit
	version, commit = "v1.2.3", "abc1234"
	t.Cleanup(func() { version, commit = oldV, oldC })
	out, _, _ = cli(t, "version")
	if want := "huegate v1.2.3 (commit abc1234, " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"; out != want {
		t.Fatalf("version = %q, want %q", out, want)
	}
}
