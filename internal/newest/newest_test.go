package newest

import (
	"slices"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Only the newest value per key waits, keys in the order first queued.
func TestOnlyTheNewestWaitsInFirstOrder(t *testing.T) {
	q := New[string]()
	for _, v := range []string{"1", "2", "3"} {
		q.Put("a", v)
		q.Put("b", v+v)
	}
	order, vals := q.Take()
	if !slices.Equal(order, []string{"a", "b"}) || vals["a"] != "3" || vals["b"] != "33" {
		t.Fatalf("took %v %v; want a=3 then b=33", order, vals)
	}
	if order, _ := q.Take(); len(order) != 0 {
		t.Fatalf("a second Take got %v", order)
	}
}
