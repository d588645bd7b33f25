package gateway_test

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// junk is what a broken or hostile publisher sends to a mapped topic: every
// kind of payload huegate must refuse, including oversized ones.
var junk = [][]byte{
	[]byte("NaN"), []byte(" "), []byte("bright"), []byte("1e999"), []byte("\xff\xfe"), []byte("-Inf"),
	bytes.Repeat([]byte("9"), 1025), []byte(`{"state":"maybe"}`), []byte("0x10"), []byte("1_000"),
}

// 100,000 bad messages on a mapped topic: every one is refused without a
// bridge call, memory stays flat, the warnings stay a handful, and the next
// good value lands.
func TestAJunkFloodKeepsMemoryFlatAndTheLogQuiet(t *testing.T) {
	const n = 100_000
	log := &lineLog{}
	// The broker must not drop what huegate is slow to take: every message
	// is counted.
	s := newStack(t, []mapping.Mapping{deskMapping()}, stackOptions{brokerConf: []string{"max_queued_messages 0"}, log: log})
	mqttPublish(t, s, "lights", "50")
	for _, id := range []string{"3", "5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.Bri == 50 })
	}
	commands := len(s.bridge.Bridge.Commands())
	before := heapInUse()

	start := time.Now()
	s.broker.FloodLines("lights", n, func(i int) []byte { return junk[i%len(junk)] })
	testkit.Eventually(t, 10*time.Second, "every message handled", func() bool { received, _, _, _, _ := s.events.snapshot(); return received == n+1 })
	elapsed := time.Since(start)
	after := heapInUse()

	_, _, _, _, rejected := s.events.snapshot()
	total := 0
	for _, c := range rejected {
		total += c
	}
	if total != n {
		t.Errorf("%d rejected of %d: %v", total, n, rejected)
	}
	if got := len(s.bridge.Bridge.Commands()); got != commands {
		t.Errorf("%d bridge commands for junk", got-commands)
	}
	growth := int64(after) - int64(before)
	if growth > 8<<20 {
		t.Errorf("heap grew by %d KiB over the flood", growth>>10)
	}
	warnings := log.count("payload rejected")
	if limit := 5 * (int(elapsed/(10*time.Second)) + 1); warnings > limit {
		t.Errorf("%d warnings in %v; the limit is 5 per 10 s", warnings, elapsed)
	}
	t.Logf("%d junk messages in %v (%.0f/s): %v; heap %+d KiB; %d warning lines",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), rejected, growth>>10, warnings)

	mqttPublish(t, s, "lights", "200")
	for _, id := range []string{"3", "5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.Bri == 200 })
	}
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// lineLog collects log output written from many goroutines.
type lineLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lineLog) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

// Light names come from the bridge, and anyone with the Hue app can set
// them: wildcards, slashes, control characters, or a name too long for an
// MQTT topic must never put a bad topic on the wire (the broker would drop
// the connection). The odd light gets a clean topic or none; the rest carry on.
func TestHostileLightNamesNeverBreakTheConnection(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(100*time.Millisecond))
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/#")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == "huegate/lights/desk-lamp/state" })
	light := func(name string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"name": name, "type": "Dimmable light", "state": map[string]any{"on": true, "bri": 9, "reachable": true}})
		return b
	}
	for id, name := range map[string]string{
		"40": "a/b+c#d\x00e$",
		"41": strings.Repeat("x", 70_000), // longer than a topic can be
		"42": "+/#",                       // nothing left: the id is the topic level
	} {
		if err := s.bridge.Bridge.AddLight(id, light(name)); err != nil {
			t.Fatal(err)
		}
	}
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == "huegate/lights/abcde/state" })
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == "huegate/lights/42/state" })
	for _, m := range rec.Messages() {
		if strings.ContainsAny(m.Topic, "+#\x00") || len(m.Topic) > 65535 {
			t.Fatalf("bad topic published: %q", m.Topic)
		}
	}
	if !s.client.Connected() {
		t.Fatal("the connection to the broker broke")
	}
	mqttPublish(t, s, "lights", "123")
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.Bri == 123 })
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
		return m.Topic == "huegate/lights/desk-lamp/state" && bytes.Contains(m.Payload, []byte(`"bri":123`))
	})
}
