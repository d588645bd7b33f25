package web

import (
	"testing"

	"github.com/huegate/huegate/internal/newest"
)

// Keeping up with a busy mapped topic costs no allocation while no page is
// open: the page must not slow huegate down when nobody looks at it.
func TestAHeardValueAllocatesNothingWhileNoPageIsOpen(t *testing.T) {
	p := New(Options{Broker: nopBroker{}})
	defer p.Close()
	p.SetMappings([]Mapping{{Topic: "lights", Max: 1023}})
	payloads := [][]byte{[]byte("511"), []byte("512")}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		p.Heard("lights", payloads[i%2])
		p.Published("huegate/lights/desk-lamp/state", payloads[i%2])
		i++
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per message with no page open, want 0", allocs)
	}
	p.Heard("lights", []byte("777"))
	if got := string(p.hub.latest["lights"]); got != "777" {
		t.Fatalf("lights holds %q, want the newest value 777", got)
	}
}

// A page that reads slowly gets the newest payload of each topic once, in
// the order the topics first changed, never a backlog.
func TestASlowPageGetsOnlyTheNewestPayloads(t *testing.T) {
	c := &client{wake: make(chan struct{}, 1), queue: newest.New[string]()}
	for _, v := range []string{"1", "2", "3"} {
		c.put("a", v)
		c.put("b", v+v)
	}
	order, pending := c.queue.Take()
	if len(order) != 2 || pending["a"] != "3" || pending["b"] != "33" || order[0] != "a" {
		t.Fatalf("queued %v %v; want a=3 then b=33", order, pending)
	}
}

func BenchmarkHeardNoPageOpen(b *testing.B) {
	p := New(Options{Broker: nopBroker{}})
	defer p.Close()
	p.SetMappings([]Mapping{{Topic: "lights", Max: 1023}})
	payloads := [][]byte{[]byte("511"), []byte("512")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.Heard("lights", payloads[i%2])
	}
}

type nopBroker struct{}

func (nopBroker) Publish(string, []byte, bool) error { return nil }
func (nopBroker) Connected() bool                    { return true }
