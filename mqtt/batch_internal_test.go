package mqtt

import (
	"slices"
	"strings"
	"testing"
)

// Every batch fits the limit (unless one filter alone does not), the
// filters keep their order, and the sizes are those of the packets paho
// writes.
func TestBatchesFitTheLimitInOrder(t *testing.T) {
	var filters []string
	for i := range 300 {
		filters = append(filters, strings.Repeat("a", 1+i*7%500))
	}
	filters = append(filters, strings.Repeat("long", 300), "last")
	const limit = 1024
	got := batches(filters, subscribeFilterBytes, limit)
	var all []string
	for _, b := range got {
		all = append(all, b.filters...)
		rem := 2
		for _, f := range b.filters {
			rem += subscribeFilterBytes + len(f)
		}
		if b.size != packetSize(rem) {
			t.Fatalf("batch of %d filters says %d bytes, is %d", len(b.filters), b.size, packetSize(rem))
		}
		if b.size > limit && len(b.filters) > 1 {
			t.Fatalf("batch of %d filters is %d bytes, over %d", len(b.filters), b.size, limit)
		}
	}
	if !slices.Equal(all, filters) {
		t.Fatal("the batches lost, added or reordered filters")
	}
	if n := len(got); n < 2 {
		t.Fatalf("%d batches", n)
	}
	long := got[len(got)-2]
	if len(long.filters) != 1 || long.size != 1+2+2+3+1200 {
		t.Fatalf("the 1,200-byte filter did not go alone: %d filters, %d bytes", len(long.filters), long.size)
	}
}

func TestPacketSizeCountsTheLengthVarint(t *testing.T) {
	for _, tt := range []struct{ rem, size int }{
		{0, 2}, {127, 129}, {128, 131}, {16383, 16386}, {16384, 16388}, {2097151, 2097155}, {2097152, 2097157},
	} {
		if got := packetSize(tt.rem); got != tt.size {
			t.Errorf("packetSize(%d) = %d, want %d", tt.rem, got, tt.size)
		}
	}
}
