//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Every reader of a config file refuses a pipe at once instead of waiting
// for a writer: Load, ReadFile, and the reads of `pair` (Edit, FileValue,
// BridgeSection). A missing file stays a missing file.
func TestAPipeIsRefusedAtOnceByEveryReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	readers := map[string]func() error{
		"Load":          func() error { _, err := Load(path); return err },
		"ReadFile":      func() error { _, err := ReadFile(path); return err },
		"Edit":          func() error { return Edit(path, pairUpdates("h", "k")) },
		"FileValue":     func() error { _, _, err := FileValue(path, "bridge", "host"); return err },
		"BridgeSection": func() error { _, err := BridgeSection(path, ""); return err },
	}
	for name, read := range readers {
		done := make(chan error, 1)
		go func() { done <- read() }()
		select {
		case err := <-done:
			var nr *NotRegularError
			if !errors.As(err, &nr) || nr.Path != path || nr.What != "a pipe (FIFO)" {
				t.Errorf("%s: %v, want a NotRegularError naming the pipe", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s waited for a writer to the pipe", name)
		}
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "none.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v, want os.ErrNotExist", err)
	}
}
