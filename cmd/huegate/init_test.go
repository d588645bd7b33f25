package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huegate/huegate/config"
)

func TestInitWritesTheStarterConfigPrivatelyCreatingDirectories(t *testing.T) {
	cleanEnv(t)
	path := filepath.Join(t.TempDir(), "a", "b", "config.yaml")

	code, stdout, stderr := runCLI(t, "init", "--config", path)
	if code != 0 || !strings.Contains(stdout, "wrote "+path) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600: the file will hold the bridge key", st.Mode().Perm())
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, config.Example) || !bytes.Contains(got, []byte("# huegate configuration")) {
		t.Fatalf("wrote something other than the commented example:\n%s", got)
	}
	if _, err := config.Load(path); err != nil {
		t.Fatalf("the written starter config does not load: %v", err)
	}
}

func TestInitRefusesToOverwriteWithoutForce(t *testing.T) {
	cleanEnv(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	mine := []byte("bridge:\n  username: my-precious-key\n")
	if err := os.WriteFile(path, mine, 0o644); err != nil {
		t.Fatal(err)
	}

	code, _, stderr := runCLI(t, "init", "--config", path)
	got, _ := os.ReadFile(path)
	if code == 0 || !bytes.Equal(got, mine) {
		t.Fatalf("exit %d; file now:\n%s", code, got)
	}
	if !strings.Contains(stderr, path+" already exists") || !strings.Contains(stderr, "--force") {
		t.Fatalf("stderr %q does not say what to do", stderr)
	}

	code, _, stderr = runCLI(t, "init", "--config", path, "--force")
	got, _ = os.ReadFile(path)
	if code != 0 || !bytes.Equal(got, config.Example) {
		t.Fatalf("--force: exit %d, stderr %q", code, stderr)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("--force left mode %v, want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestInitWritesWhereRunWouldRead(t *testing.T) {
	cleanEnv(t)
	// Nothing exists: ./config.yaml, the first place run looks.
	code, _, stderr := runCLI(t, "init")
	cwd, _ := os.Getwd()
	if _, err := os.Stat(filepath.Join(cwd, "config.yaml")); code != 0 || err != nil {
		t.Fatalf("exit %d, stderr %q, stat: %v", code, stderr, err)
	}

	// HUEGATE_CONFIG names the file, as for run.
	env := filepath.Join(t.TempDir(), "from-env.yaml")
	t.Setenv("HUEGATE_CONFIG", env)
	if code, _, stderr := runCLI(t, "init"); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(env); err != nil {
		t.Fatal(err)
	}
}
