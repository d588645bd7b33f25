package main

import (
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// Stamped into the test builds; `huegate version` must print them back.
const (
	testVersion = "v9.8.7-releasetest"
	testCommit  = "abc1234"
)

// releaseTargets reads RELEASE_TARGETS and RELEASE_GOARM from the Makefile,
// so this test builds exactly what `make release` ships.
func releaseTargets(t *testing.T) (targets []string, goarm string) {
	t.Helper()
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	tm := regexp.MustCompile(`(?m)^RELEASE_TARGETS\s*:=\s*(.+)$`).FindSubmatch(mk)
	am := regexp.MustCompile(`(?m)^RELEASE_GOARM\s*:=\s*(\d+)\s*$`).FindSubmatch(mk)
	if tm == nil || am == nil {
		t.Fatal("Makefile: RELEASE_TARGETS or RELEASE_GOARM not found")
	}
	if !strings.Contains(string(mk), "-X main.version=$(VERSION) -X main.commit=$(COMMIT)") {
		t.Fatal("Makefile: LDFLAGS no longer stamps main.version and main.commit")
	}
	return strings.Fields(string(tm[1])), string(am[1])
}

// TestReleaseTargetsBuild cross-compiles every release target the way `make
// release` does (no cgo, -trimpath, stamped -ldflags), checks each binary is
// a static executable for its platform, and runs the one for this machine.
// The first run on a fresh cache compiles the standard library per target
// (minutes on 2 cores); after that each target is a link, about a second.
func TestReleaseTargetsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles every release target; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	targets, goarm := releaseTargets(t)
	for _, want := range []string{"linux/amd64", "linux/arm64", "linux/arm", "darwin/arm64"} {
		if !contains(targets, want) {
			t.Fatalf("RELEASE_TARGETS %v lacks %s", targets, want)
		}
	}
	host := runtime.GOOS + "/" + runtime.GOARCH
	if !contains(targets, host) {
		targets = append(targets, host) // still prove the stamped version on this machine
	}
	dir := t.TempDir()
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			goos, goarch, _ := strings.Cut(target, "/")
			bin := filepath.Join(dir, "huegate-"+goos+"-"+goarch)
			cmd := exec.Command(goBin, "build", "-trimpath",
				"-ldflags", "-s -w -X main.version="+testVersion+" -X main.commit="+testCommit,
				"-o", bin, ".")
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOARM="+goarm, "GOFLAGS=")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build for %s: %v\n%s", target, err, out)
			}
			checkBuildInfo(t, bin, goos, goarch, goarm)
			checkExecutable(t, bin, goos, goarch)
			if target == host {
				checkVersion(t, bin)
			}
		})
	}
}

func checkBuildInfo(t *testing.T, bin, goos, goarch, goarm string) {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0", "-trimpath": "true"}
	if goarch == "arm" {
		want["GOARM"] = goarm
	}
	for _, s := range info.Settings {
		if w, ok := want[s.Key]; ok {
			if s.Value != w {
				t.Errorf("%s=%s, want %s", s.Key, s.Value, w)
			}
			delete(want, s.Key)
		}
	}
	if len(want) > 0 {
		t.Errorf("build settings lack %v", want)
	}
}

// checkExecutable opens the binary as its platform's executable format: an
// ELF for the right machine with no program interpreter (static, so it runs
// on any Linux userland), or a Mach-O for Apple silicon.
func checkExecutable(t *testing.T, bin, goos, goarch string) {
	t.Helper()
	if goos == "darwin" {
		f, err := macho.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if goarch == "arm64" && f.Cpu != macho.CpuArm64 {
			t.Errorf("Mach-O CPU %v, want arm64", f.Cpu)
		}
		return
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "arm": elf.EM_ARM}
	if m, ok := machines[goarch]; ok && f.Machine != m {
		t.Errorf("ELF machine %v, want %v", f.Machine, m)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("dynamically linked (has a program interpreter); the release must be static")
		}
	}
}

func checkVersion(t *testing.T, bin string) {
	t.Helper()
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("huegate version: %v\n%s", err, out)
	}
	want := "huegate " + testVersion + " (commit " + testCommit + ", "
	if !strings.HasPrefix(string(out), want) {
		t.Fatalf("huegate version printed %q, want it to start with %q", out, want)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
