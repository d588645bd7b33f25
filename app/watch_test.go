package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/rs/zerolog"
)

func TestPollingSeesWritesAndRenames(t *testing.T) {
	t.Parallel()
	path := testkit.WriteConfig(t, "a: 1\n")
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan struct{}, 1)
	done := make(chan struct{})
	prev, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(done)
		poll(ctx, path, prev, 10*time.Millisecond, func() {
			select {
			case signals <- struct{}{}:
			default:
			}
		})
	}()
	defer func() { cancel(); <-done }()
	wait := func(what string) {
		t.Helper()
		select {
		case <-signals:
		case <-time.After(5 * time.Second):
			t.Fatalf("polling missed %s", what)
		}
	}
	if err := os.WriteFile(path, []byte("a: 22\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wait("a write")
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte("a: 33\n"), 0o600); err != nil { // same size as before
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	wait("a rename over the file")
}

func TestTheWatchSeesAConfigMapSwap(t *testing.T) {
	t.Parallel()
	// A Kubernetes ConfigMap volume: config.yaml -> ..data/config.yaml, and
	// an update swaps the ..data link to a new directory.
	dir := t.TempDir()
	mk := func(version, content string) {
		t.Helper()
		if err := os.Mkdir(filepath.Join(dir, version), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, version, "config.yaml"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("..v1", "a: 1\n")
	if err := os.Symlink("..v1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.Symlink("..data/config.yaml", path); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := watchFile(ctx, path, zerolog.Nop())
	defer func() { cancel(); w.wait() }()

	mk("..v2", "a: 2\n")
	if err := os.Symlink("..v2", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.C:
	case <-time.After(5 * time.Second):
		t.Fatal("the swap went unseen")
	}
	if got := testkit.ReadText(t, path); got != "a: 2\n" {
		t.Fatalf("the file reads %q after the swap", got)
	}
}
