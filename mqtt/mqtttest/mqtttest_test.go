package mqtttest_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func is(topic, payload string) func(mqtttest.Message) bool {
	return func(m mqtttest.Message) bool { return m.Topic == topic && string(m.Payload) == payload }
}

func TestRecorderSeesRetainedAndLiveMessages(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	if !strings.HasPrefix(b.URL, "tcp://127.0.0.1:") || b.Port == 0 {
		t.Fatalf("broker URL %q, port %d: want a loopback tcp URL", b.URL, b.Port)
	}
	mqtttest.Publish(t, b.URL, "a/stored", []byte("1"), true)
	rec := mqtttest.Subscribe(t, b.URL, "a/#")
	if m := rec.WaitFor(t, 5*time.Second, is("a/stored", "1")); !m.Retained {
		t.Error("stored message not marked retained")
	}
	pub := mqtttest.NewPublisher(t, b.URL)
	for i := range 3 {
		pub.Publish("a/live", []byte(fmt.Sprint(i)), 1, false)
	}
	rec.WaitFor(t, 5*time.Second, is("a/live", "2"))
	var got []string
	for _, m := range rec.Messages() {
		got = append(got, m.Topic+"="+string(m.Payload))
	}
	if strings.Join(got, " ") != "a/stored=1 a/live=0 a/live=1 a/live=2" {
		t.Errorf("recorded %v", got)
	}
	if !strings.Contains(b.Logs(), "mosquitto version") {
		t.Errorf("Logs() lacks mosquitto's start message:\n%s", b.Logs())
	}
}

func TestKillAndRestartKeepThePortAndDropRetained(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	mqtttest.Publish(t, b.URL, "a/stored", []byte("1"), true)
	rec := mqtttest.Subscribe(t, b.URL, "a/#")

	b.Kill()
	if conn, err := net.Dial("tcp", b.Addr()); err == nil {
		conn.Close()
		t.Fatal("broker still accepts connections after Kill")
	}
	b.Kill() // idempotent
	b.Restart()

	// The recorder resubscribes on its own. Retained, so it does not matter
	// whether that happened before or after this publish.
	mqtttest.Publish(t, b.URL, "a/after", []byte("2"), true)
	rec.WaitFor(t, 5*time.Second, is("a/after", "2"))
	fresh := mqtttest.Subscribe(t, b.URL, "a/#")
	mqtttest.Publish(t, b.URL, "a/marker", nil, false)
	fresh.WaitFor(t, 5*time.Second, is("a/marker", ""))
	for _, m := range fresh.Messages() {
		if m.Topic == "a/stored" {
			t.Error("retained message survived a restart without persistence")
		}
	}
}

// fakeTB records Fatalf instead of stopping the test.
type fakeTB struct {
	testing.TB
	fatal string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }

func TestWaitForFailsWithWhatWasSeen(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	rec := mqtttest.Subscribe(t, b.URL, "a/#")
	mqtttest.Publish(t, b.URL, "a/other", []byte("seen"), false)
	rec.WaitFor(t, 5*time.Second, is("a/other", "seen"))

	ftb := &fakeTB{TB: t}
	rec.WaitFor(ftb, 50*time.Millisecond, is("a/never", "x"))
	if !strings.Contains(ftb.fatal, "no matching message") || !strings.Contains(ftb.fatal, `a/other "seen"`) {
		t.Errorf("WaitFor timeout message = %q, want it to list the message seen", ftb.fatal)
	}
}
