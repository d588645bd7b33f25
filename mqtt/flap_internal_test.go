package mqtt

import (
	"testing"
	"time"
)

// event is a connection made at up that the broker closed at `at`, and how
// the next attempt went.
type event struct {
	up, at    time.Duration
	connected bool
	began     bool
}

func replay(t *testing.T, f *flapWatch, events []event) {
	t.Helper()
	t0 := time.Unix(1000, 0)
	for i, e := range events {
		f.lost(t0.Add(e.up), t0.Add(e.at))
		if began := f.attempted(e.connected, t0.Add(e.at+time.Millisecond)); began != e.began {
			t.Fatalf("loss %d at %s: began=%t, want %t", i, e.at, began, e.began)
		}
	}
}

// Three losses within a minute that the next attempt recovered from begin
// the pattern once: two clients taking one id in turns.
func TestFlapWatchBeginsOnThreeLossesTheBrokerRecoversFrom(t *testing.T) {
	var f flapWatch
	if p := f.pause(0); p != 0 {
		t.Fatalf("pause %s before any loss", p)
	}
	replay(t, &f, []event{
		{up: 0, at: time.Second, connected: true},
		{up: time.Second, at: 1100 * time.Millisecond, connected: true},
		{up: 2 * time.Second, at: 40 * time.Second, connected: true, began: true}, // a long one counts too
		{up: 80 * time.Second, at: 81 * time.Second, connected: true},             // already flapping: no second warning
	})
	// The pause doubles from 2 s to 30 s, each with up to half again.
	for _, want := range []time.Duration{2, 4, 8, 16, 30, 30, 30} {
		want *= time.Second
		if p := f.pause(time.Second); p < want || p >= want*3/2 {
			t.Fatalf("pause %s while flapping, want %s to %s", p, want, want*3/2)
		}
	}
	// A connection that held two minutes ends it; the next episode warns again.
	replay(t, &f, []event{
		{up: 5 * time.Minute, at: 8 * time.Minute, connected: true},
		{up: 8 * time.Minute, at: 8*time.Minute + time.Second, connected: true},
		{up: 8*time.Minute + 20*time.Second, at: 8*time.Minute + 30*time.Second, connected: true, began: true},
	})
}

// A broker that restarts, or a network that drops, refuses the attempt
// after the loss; losses spread over more than a minute are not the
// pattern either.
func TestFlapWatchIgnoresOutagesAndSpreadOutLosses(t *testing.T) {
	var f flapWatch
	replay(t, &f, []event{
		{up: 0, at: time.Second, connected: false},
		{up: 2 * time.Second, at: 3 * time.Second, connected: false},
		{up: 4 * time.Second, at: 5 * time.Second, connected: false},
		{up: 6 * time.Second, at: 7 * time.Second, connected: true},
		{up: 30 * time.Second, at: 40 * time.Second, connected: true},
		{up: 60 * time.Second, at: 70 * time.Second, connected: true}, // the first is over a minute old
	})
	if p := f.pause(0); p != 0 {
		t.Fatalf("pause %s without the pattern", p)
	}
}
