package acceptance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// binary is huegate, built once from ../cmd/huegate for every test here.
var binary string

// fixture is the bridge the README's `huegate emulate` examples serve.
const fixture = "../testdata/bridge.json"

// TestMain builds huegate once, as a user would, and checks that no test
// leaves a goroutine running.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "huegate-acceptance")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "huegate")
	if out, err := exec.Command("go", "build", "-o", binary, "../cmd/huegate").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build huegate: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}
