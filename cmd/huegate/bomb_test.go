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
	g.reloaded(t, 1, edited)
	t.Logf("reloaded %v after the edit", time.Since(edited).Round(time.Millisecond))
	if shown, summaries := warnings(); shown != 2*config.MaxLines || summaries != 2 {
		t.Fatalf("after a reload: %d unknown-key lines and %d %q, want %d and 2", shown, summaries, more, 2*config.MaxLines)
	}
	if lines := strings.Count(g.log.String(), "\n"); lines > 2*bombLines {
		t.Fatalf("%d log lines for a start and a reload:\n%s", lines, g.log)
	}

	validated := time.Now()
	out, errOut, code := cli(t, "validate", "--config", g.path)
	took := time.Since(validated)
	if code != 0 || strings.Count(errOut, ": unknown key (ignored)\n") != config.MaxLines || !strings.Contains(errOut, "warning: "+more+"\n") {
		t.Fatalf("validate: exit %d\nstdout: %s\nstderr (%d bytes): %.3000s", code, out, len(errOut), errOut)
	}
	if lines := strings.Count(errOut, "\n"); lines > bombLines {
		t.Fatalf("validate printed %d lines:\n%s", lines, errOut)
	}
	if took > 10*time.Second {
		t.Errorf("validate took %v", took)
	}
	t.Logf("validate: %d lines, %d bytes in %v", strings.Count(errOut, "\n"), len(errOut), took.Round(time.Millisecond))
}

// The same map as 100 mappings (testkit.MappingBomb) is 100,099 problems:
// a reload logs a screenful of them and a line counting the rest, and
// `huegate validate` and `huegate run` print as much and exit 2.
func TestAnAliasBombOfProblemsIsSummarisedByRunAndValidate(t *testing.T) {
	g := startGateway(t, "mappings:\n  - {topic: lights, lights: [3]}\n")
	edited := time.Now()
	g.write(t, testkit.MappingBomb())
	g.log.WaitCount(t, "config reload rejected", 1, 10*time.Second)
	t.Logf("rejected %v after the edit", time.Since(edited).Round(time.Millisecond))
	if n, more := g.log.Count(`"invalid config: `), g.log.Count(`"invalid config: ... and `); n != config.MaxLines+1 || more != 1 {
		t.Fatalf("the reload logged %d problem lines (%d counting the rest), want %d and 1; log %d bytes",
			n, more, config.MaxLines+1, len(g.log.String()))
	}

	for _, args := range [][]string{{"validate", "--config", g.path}, {"run", "--config", g.path, "--log-format", "json"}} {
		began := time.Now()
		printed, logged, code := runFor(t, args...)
		took := time.Since(began)
		all := printed + logged
		if code != 2 || !strings.Contains(printed, "\n... and ") || strings.Count(all, "\n") > bombLines {
			t.Fatalf("%s: exit %d, %d lines, %d bytes:\n%.3000s", args[0], code, strings.Count(all, "\n"), len(all), all)
		}
		if took > 10*time.Second {
			t.Errorf("%s took %v", args[0], took)
		}
		t.Logf("%s: exit 2, %d lines, %d bytes in %v", args[0], strings.Count(all, "\n"), len(all), took.Round(time.Millisecond))
	}
}
