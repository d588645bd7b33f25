package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every package with tests checks that they leave no goroutine running
// (go.uber.org/goleak): a leak in a long-running gateway is found in the
// test that causes it, not after months in a soak.
func TestEveryTestPackageChecksForLeakedGoroutines(t *testing.T) {
	checked := map[string]bool{}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.Dir(path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		has := strings.Contains(string(data), "goleak.VerifyTestMain") || strings.Contains(string(data), "goleak.Find")
		checked[dir] = checked[dir] || has
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(checked) < 5 {
		t.Fatalf("found only %d test packages under the module root", len(checked))
	}
	for dir, ok := range checked {
		if !ok {
			t.Errorf("%s: tests without goleak (add func TestMain(m *testing.M) { goleak.VerifyTestMain(m) })", dir)
		}
	}
}
