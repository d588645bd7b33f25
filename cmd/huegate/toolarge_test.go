package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// A 50 MB message on a mapped topic, through a Mosquitto that caps
// nothing: huegate skips it without reading it into memory (its peak RSS
// grows by far less than the message), says so once naming the topic and
// the size, and the next value lands. Reading it whole took two to three
// times its size.
func TestA50MBMessageIsSkippedWithoutHoldingIt(t *testing.T) {
	t.Parallel()
	w := runOnline(t)
	broker, bridge, p := w.broker, w.bridge, w.p
	pub := mqtttest.NewPublisher(t, broker.URL)
	pub.Publish("lights", []byte("66"), 1, false)
	waitBridge(t, bridge.Bridge, 66, "3", "5")
	before := peakRSS(t, p.cmd.Process.Pid)

	const size = 50 << 20
	pub.Publish("lights", bytes.Repeat([]byte("1"), size), 1, false)
	pub.Publish("lights", []byte("77"), 1, false)
	waitBridge(t, bridge.Bridge, 77, "3", "5") // after the large message: the broker keeps the order
	after := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("peak RSS %.1f MB before the 50 MB message, %.1f MB after", mb(before), mb(after))
	if grew := after - before; grew > 20<<20 {
		t.Fatalf("peak RSS grew by %.1f MB for a 50 MB message it should not read", mb(grew))
	}
	warning := fmt.Sprintf(`"topic":"lights","bytes":%d,"limit_bytes":65536`, size)
	p.waitOutput(t, warning, 5*time.Second)
	if n := p.lines("mqtt message too large"); n != 1 {
		t.Fatalf("%d warnings about the message, want 1", n)
	}
	if n := p.lines("payload rejected"); n != 0 {
		t.Fatal("the message was read and refused by the gateway")
	}
}

// peakRSS is a process's peak resident memory (VmHWM) in bytes; Linux only.
func peakRSS(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the peak RSS from: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatalf("VmHWM: %v", err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

func mb(n int) float64 { return float64(n) / (1 << 20) }
