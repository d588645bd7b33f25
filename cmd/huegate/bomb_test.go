package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/internal/testkit"
)

// bombLines is at most how many lines huegate may print for a config that
// expands to 100,000 warnings or problems: a screenful of them, the line
// counting the rest, and huegate's own few.
const bombLines = config.MaxLines + 10

// A 10 KB config of YAML aliases that expands to 101,000 unknown keys
// (testkit.KeyBomb), through `huegate run` at start and on a reload, and
// `huegate validate`: each prints a screenful of warnings and a line
// counting the rest (it printed 101,000 lines, 10 MB of JSON log, on every
// load), and quickly.
func TestAnAliasBombOfUnknownKeysIsSummarisedByRunAndValidate(t *testing.T) {
	more := fmt.Sprintf("... and %d more unknown keys (ignored)", testkit.BombKeys*(testkit.BombAliases+1)-config.MaxLines)
	started := time.Now()
	g := startGateway(t, "mappings:\n  - {topic: lights, lights: [3]}\n"+testkit.KeyBomb())
	t.Logf("running %v after start", time.Since(started).Round(time.Millisecond))
	warnings := func() (shown, summaries int) {
		return g.log.Count(`: unknown key (ignored)"`), g.log.Count(more)
	}
	if shown, summaries := warnings(); shown != config.MaxLines || summaries != 1 {
		t.Fatalf("at start: %d unknown-key lines and %d %q, want %d and 1; log %d bytes",
			shown, summaries, more, config.MaxLines, len(g.log.String()))
	}

	edited := time.Now()
	g.write(t, "mappings:\n  - {topic: lights, lights: [5]}\n"+testkit.KeyBomb())
	g.log.WaitCount(t, "config reloaded: mappings applied", 1, bombTime)
	t.Logf("reloaded %v after the edit", time.Since(edited).Round(time.Millisecond))
	if shown, summaries := warnings(); shown != 2*config.MaxLines || summaries != 2 {
		t.Fatalf("after a reload: %d unknown-key lines and %d %q, want %d and 2", shown, summaries, more, 2*config.MaxLines)
	}
	if lines := strings.Count(g.log.String(), "\n"); lines > 2*bombLines {
		t.Fatalf("%d log lines for a start and a reload:\n%s", lines, g.log)
	}

	code, out, took := runBinary(t, "validate", "--config", g.path)
	if code != 0 || strings.Count(out, ": unknown key (ignored)\n") != config.MaxLines || !strings.Contains(out, "warning: "+more+"\n") {
		t.Fatalf("validate: exit %d, %d bytes:\n%.3000s", code, len(out), out)
	}
	if lines := strings.Count(out, "\n"); lines > bombLines {
		t.Fatalf("validate printed %d lines:\n%s", lines, out)
	}
	t.Logf("validate: %d lines, %d bytes in %v", strings.Count(out, "\n"), len(out), took.Round(time.Millisecond))
}

// bombTime bounds what one load of a bomb may take: about 0.4 s for the
// huegate binary, 2-3.5 s in-process under the race detector; 10 MB of log
// took longer, and a blow-up far longer.
const bombTime = 20 * time.Second

// runBinary runs the huegate binary to its end, within bombTime, and
// returns its exit code, its output and how long it took.
func runBinary(t *testing.T, args ...string) (code int, out string, took time.Duration) {
	t.Helper()
	began := time.Now()
	p := startHuegate(t, nil, args...)
	code = p.wait(t, bombTime)
	return code, p.out.String(), time.Since(began)
}

// The same map as 100 mappings (testkit.MappingBomb) is 100,099 problems:
// a reload logs a screenful of them and a line counting the rest, and
// `huegate validate` and `huegate run` print as much and exit 2.
func TestAnAliasBombOfProblemsIsSummarisedByRunAndValidate(t *testing.T) {
	g := startGateway(t, "mappings:\n  - {topic: lights, lights: [3]}\n")
	edited := time.Now()
	g.write(t, testkit.MappingBomb())
	g.log.WaitCount(t, "config reload rejected", 1, bombTime)
	t.Logf("rejected %v after the edit", time.Since(edited).Round(time.Millisecond))
	if n, more := g.log.Count(`"invalid config: `), g.log.Count(`"invalid config: ... and `); n != config.MaxLines+1 || more != 1 {
		t.Fatalf("the reload logged %d problem lines (%d counting the rest), want %d and 1; log %d bytes",
			n, more, config.MaxLines+1, len(g.log.String()))
	}

	more := fmt.Sprintf("\n... and %d more problems\n", testkit.BombKeys*testkit.BombAliases+testkit.BombAliases-1-config.MaxLines)
	for _, args := range [][]string{{"validate", "--config", g.path}, {"run", "--config", g.path, "--log-format", "json"}} {
		code, out, took := runBinary(t, args...)
		if code != 2 || !strings.Contains(out, more) || strings.Count(out, "\n") > bombLines {
			t.Fatalf("%s: exit %d, %d lines, %d bytes:\n%.3000s", args[0], code, strings.Count(out, "\n"), len(out), out)
		}
		t.Logf("%s: exit 2, %d lines, %d bytes in %v", args[0], strings.Count(out, "\n"), len(out), took.Round(time.Millisecond))
	}
}
