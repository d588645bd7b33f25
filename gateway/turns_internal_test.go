package gateway

import (
	"context"
	"testing"
	"time"
)

// A waiter that gives up hands its place on; the others go in order.
func TestTurnsGoInOrderAndSurviveAWaiterLeaving(t *testing.T) {
	var tr turns
	first, err := tr.wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	quitter := make(chan error, 1)
	go func() { _, err := tr.wait(ctx); quitter <- err }()
	got := make(chan int, 2)
	for i := 1; i <= 2; i++ {
		waitQueued(t, &tr, i+1)
		go func() {
			done, err := tr.wait(context.Background())
			if err == nil {
				got <- i
				done()
			}
		}()
	}
	waitQueued(t, &tr, 4)
	cancel()
	if err := <-quitter; err == nil {
		t.Fatal("a cancelled wait got a turn")
	}
	first()
	if a, b := <-got, <-got; a != 1 || b != 2 {
		t.Fatalf("turns went %d, %d", a, b)
	}
}

func waitQueued(t *testing.T, tr *turns, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		tr.mu.Lock()
		l := len(tr.queue)
		tr.mu.Unlock()
		if l >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiting, want %d", l, n)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}
