package mqtt

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestMatchFilter(t *testing.T) {
	tests := []struct {
		filter, topic string
		want          bool
	}{
		{"a/b", "a/b", true},
		{"a/b", "a/c", false},
		{"a/b", "a/b/c", false},
		{"a/b/c", "a/b", false},
		{"a/+", "a/b", true},
		{"a/+", "a", false},
		{"a/+", "a/b/c", false},
		{"a/+/c", "a/b/c", true},
		{"+/+", "/x", true},
		{"a/#", "a", true},
		{"a/#", "a/b/c", true},
		{"a/#", "ab", false},
		{"#", "a/b", true},
		{"#", "$SYS/broker", false},
		{"+/broker", "$SYS/broker", false},
		{"$SYS/#", "$SYS/broker", true},
		{"a//b", "a//b", true},
		{"a/+/b", "a//b", true},
	}
	for _, tt := range tests {
		if got := matchFilter(tt.filter, tt.topic); got != tt.want {
			t.Errorf("matchFilter(%q, %q) = %t, want %t", tt.filter, tt.topic, got, tt.want)
		}
	}
}

func TestShareFilterStripsGroup(t *testing.T) {
	for in, want := range map[string]string{
		"$share/g/lights/+": "lights/+",
		"lights/+":          "lights/+",
		"$share/g":          "$share/g",
	} {
		if got := shareFilter(in); got != want {
			t.Errorf("shareFilter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactorMasksEverySpellingOfThePassword(t *testing.T) {
	u, err := url.Parse("tcp://huegate:p%40ss%2Fword@127.0.0.1:1883")
	if err != nil {
		t.Fatal(err)
	}
	r := newRedactor(u, "opt secret")
	text := "dial tcp://huegate:p%40ss%2Fword@127.0.0.1:1883: p@ss/word, opt secret, opt+secret, opt%20secret"
	got := r.Replace(text)
	for _, leak := range []string{"p@ss/word", "p%40ss%2Fword", "opt secret", "opt+secret", "opt%20secret"} {
		if strings.Contains(got, leak) {
			t.Errorf("redacted text %q still contains %q", got, leak)
		}
	}
	if !strings.Contains(got, "tcp://huegate:xxxxx@127.0.0.1:1883") {
		t.Errorf("redacted text %q lost the rest of the URL", got)
	}
}

func TestReconnectPauseDoublesUpToMax(t *testing.T) {
	c := &Client{opts: Options{ConnectRetryInterval: time.Second, MaxReconnectInterval: 5 * time.Second}}
	var got []time.Duration
	for p := time.Duration(0); len(got) < 5; {
		p = c.nextPause(p)
		got = append(got, p)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pauses = %v, want %v", got, want)
		}
	}
}

func TestAttemptLogWarnsAtMostEveryTenSeconds(t *testing.T) {
	var a attemptLog
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at             time.Duration
		warn           bool
		suppressedSeen int
	}{
		{0, true, 0},
		{time.Second, false, 0},
		{9 * time.Second, false, 0},
		{10 * time.Second, true, 2},
		{11 * time.Second, false, 0},
	}
	for _, s := range steps {
		warn, suppressed := a.failed("refused", t0.Add(s.at))
		if warn != s.warn || suppressed != s.suppressedSeen {
			t.Fatalf("at %s: warn=%t suppressed=%d, want %t %d", s.at, warn, suppressed, s.warn, s.suppressedSeen)
		}
	}
	a.reset()
	if warn, _ := a.failed("refused", t0.Add(12*time.Second)); !warn {
		t.Error("first failure after reset was not a warning")
	}
	if a.last() != "refused" {
		t.Errorf("last() = %q", a.last())
	}
}
