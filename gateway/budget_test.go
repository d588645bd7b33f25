package gateway

import (
	"context"
	"testing"
	"time"
)

func TestBudgetNeverStartsMoreThanRateInAnySecond(t *testing.T) {
	b := newBudget(40)
	var starts []time.Time
	for range 60 {
		if err := b.take(context.Background()); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, time.Now())
	}
	for i := range starts {
		n := 0
		for j := i; j < len(starts) && starts[j].Sub(starts[i]) < time.Second; j++ {
			n++
		}
		if n > 40 {
			t.Fatalf("%d starts within one second from start %d; the budget is 40", n, i)
		}
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < 20*time.Millisecond {
			t.Fatalf("starts %d and %d only %v apart; the bucket spaces them 25 ms", i-1, i, gap)
		}
	}
}
