package gateway

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// The window's promise: a command counts from its start until a span after
// its answer (the bridge counted it somewhere in between), and no more than
// n commands ever count at once.
func TestWindowNeverHasMoreThanNCommandsCountingAtOnce(t *testing.T) {
	const n, span, workers, total = 3, 40 * time.Millisecond, 4, 16
	w := newWindow(n, span)
	type cmd struct{ start, done time.Time }
	var mu sync.Mutex
	var cmds []cmd
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			for i := range total / workers {
				place, err := w.acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				start := time.Now()
				time.Sleep(time.Duration((k+i)%3) * 5 * time.Millisecond) // the request, of varying latency
				done := time.Now()
				w.release(place)
				mu.Lock()
				cmds = append(cmds, cmd{start, done})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(cmds) != total {
		t.Fatalf("%d commands ran, want %d", len(cmds), total)
	}
	for _, c := range cmds {
		counting := 0
		for _, o := range cmds {
			if !o.start.After(c.start) && c.start.Before(o.done.Add(span)) {
				counting++
			}
		}
		if counting > n {
			t.Fatalf("%d commands counting at once, want at most %d", counting, n)
		}
	}
}

func TestWindowLetsNGoAtOnceWhenFresh(t *testing.T) {
	w := newWindow(3, time.Hour)
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if _, err := w.acquire(ctx); err != nil {
			t.Fatalf("a fresh window made a command wait: %v", err)
		}
		cancel()
	}
}

func TestWindowWaitEndsWithItsContext(t *testing.T) {
	for _, release := range []bool{false, true} { // all places busy, or all resting
		w := newWindow(1, time.Hour)
		place, err := w.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if release {
			w.release(place)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		if _, err := w.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("released %v: err = %v, want the context's", release, err)
		}
		cancel()
	}
}

func TestLightWindowAllowsTheWholeRatePerSecond(t *testing.T) {
	for _, c := range []struct {
		rate float64
		n    int
	}{{10, 10}, {2.5, 2}, {0.5, 1}} {
		if got := len(lightWindow(c.rate).done); got != c.n {
			t.Errorf("rate %v: %d per second, want %d", c.rate, got, c.n)
		}
	}
}
