package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
)

// A 10 KB config of YAML aliases ("billion laughs" in one level) expands to
// 101,000 unknown keys. Each load, at start and on every reload, must still
// give a screenful of warnings, not 101,000 lines (10 MB of JSON log), and
// quickly.
func TestAnAliasBombOfUnknownKeysGivesAFewWarnings(t *testing.T) {
	yaml := "bridge: {host: 192.168.1.2, username: abc}\nmappings: [{topic: lights, lights: [3]}]\n" + testkit.KeyBomb()
	if len(yaml) > 12<<10 {
		t.Fatalf("the bomb is %d bytes, want about 10 KB", len(yaml))
	}
	start := time.Now()
	c, err := Parse([]byte(yaml))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	unknown := 0
	for _, w := range c.Warnings {
		if strings.HasSuffix(w, ": unknown key (ignored)") {
			unknown++
		}
	}
	total := testkit.BombKeys * (testkit.BombAliases + 1)
	more := fmt.Sprintf("... and %d more unknown keys (ignored)", total-MaxLines)
	if unknown != MaxLines || len(c.Warnings) != MaxLines+1 || c.Warnings[MaxLines] != more {
		t.Fatalf("%d warnings (%d about unknown keys), want %d and then %q; the last: %q",
			len(c.Warnings), unknown, MaxLines, more, c.Warnings[len(c.Warnings)-1])
	}
	if took > 20*time.Second { // 0.3 s; 2-5 s under the race detector on a busy machine
		t.Errorf("loading took %v", took)
	}
	t.Logf("%d bytes of YAML, %d keys: %d warnings in %v", len(yaml), total, len(c.Warnings), took.Round(time.Millisecond))
}

// The same map given as 100 mappings is 100,000 problems (unknown keys in
// a mapping stop start-up, and the topic is mapped 100 times): the text
// printed for them stays a screenful too.
func TestAnAliasBombOfMappingsGivesAFewProblemLines(t *testing.T) {
	yaml := "bridge: {host: 192.168.1.2, username: abc}\n" + testkit.MappingBomb()
	start := time.Now()
	_, err := Parse([]byte(yaml))
	took := time.Since(start)
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("error = %v, want Problems", err)
	}
	text := p.Error()
	lines := strings.Split(text, "\n")
	more := fmt.Sprintf("... and %d more problems", len(p)-MaxLines)
	if len(p) < testkit.BombKeys*testkit.BombAliases || len(lines) != MaxLines+1 || lines[MaxLines] != more {
		t.Fatalf("%d problems printed as %d lines (%d bytes), want %d and then %q; the last: %q",
			len(p), len(lines), len(text), MaxLines, more, lines[len(lines)-1])
	}
	if took > 20*time.Second { // 0.3 s; 2-5 s under the race detector on a busy machine
		t.Errorf("loading took %v", took)
	}
	t.Logf("%d problems in %v, printed as %d lines, %d bytes", len(p), took.Round(time.Millisecond), len(lines), len(text))
}
