package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the Makefile through -ldflags "-X main.version=... -X main.commit=...".
var (
	version = ""
	commit  = ""
)

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print huegate's version, commit and Go version",
		Long: `Print huegate's version and commit, as stamped by ` + "`make build`" + `, or as the Go
toolchain recorded them (go install, or a build in a checkout), and the Go
version, OS and architecture it was built with. Include it in bug reports.`,
		Example: "  huegate version",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v, c := buildVersion()
			fmt.Fprintf(g.stdout, "huegate %s (commit %s, %s %s/%s)\n", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// buildVersion prefers the stamped values and falls back to what the Go
// toolchain recorded (module version for `go install`, VCS revision for a
// build in a checkout).
func buildVersion() (string, string) {
	v, c := version, commit
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return orDefault(v, "dev"), orDefault(c, "unknown")
	}
	if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && c == "" && len(s.Value) >= 7 {
			c = s.Value[:7]
		}
	}
	return orDefault(v, "dev"), orDefault(c, "unknown")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// versionString is the version alone, as Home Assistant shows it.
func versionString() string {
	v, _ := buildVersion()
	return v
}
