package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// A short slider run, the world in this process: huegate coalesces and
// lands the final value within the budget, to a v1 bridge over http and to
// a v2 bridge over https alike; the naive gateway sends one call per
// message and runs into 429s.
func TestRunComparesHuegateWithTheNaiveGateway(t *testing.T) {
	rows := runInProcess(t, 500*time.Millisecond, BrokerEmbedded, "slider")
	if len(rows) != 3 || rows[0].Mode != ModeHuegate || rows[1].Mode != ModeHuegateV2 || rows[2].Mode != ModeNaive {
		t.Fatalf("rows %+v, want slider/huegate, slider/huegate-v2 and slider/naive", rows)
	}
	hg, v2, nv := rows[0], rows[1], rows[2]
	if v2.Messages != 51 || v2.FinalsCorrect != 1 || v2.HTTP429 != 0 || v2.MaxCommandsPerSecond > bridgeRate || v2.BridgeCommands >= v2.Messages {
		t.Errorf("huegate over v2: %d commands for %d messages, %d refused, up to %d/s, final %d/1",
			v2.BridgeCommands, v2.Messages, v2.HTTP429, v2.MaxCommandsPerSecond, v2.FinalsCorrect)
	}
	if hg.Messages != 51 || nv.Messages != 51 {
		t.Errorf("messages %d and %d, want 50 (100/s for 500ms) + 1 final", hg.Messages, nv.Messages)
	}
	if hg.FinalsTotal != 1 || hg.FinalsCorrect != 1 || hg.LatencyP99 == nil {
		t.Errorf("huegate: final %d/%d, latency %v", hg.FinalsCorrect, hg.FinalsTotal, deref(hg.LatencyP99))
	}
	if hg.HTTP429 != 0 || hg.MaxCommandsPerSecond > bridgeRate || hg.BridgeCommands >= hg.Messages {
		t.Errorf("huegate: %d commands for %d messages, %d refused, up to %d/s", hg.BridgeCommands, hg.Messages, hg.HTTP429, hg.MaxCommandsPerSecond)
	}
	if nv.BridgeCommands != nv.Messages || nv.HTTP429 == 0 {
		t.Errorf("naive: %d commands for %d messages, %d refused; want one each and 429s", nv.BridgeCommands, nv.Messages, nv.HTTP429)
	}
	if hg.IngestPerSecond <= 0 || hg.AllocsPerMsg <= 0 {
		t.Errorf("huegate: ingest %v msgs/s, %v allocs/msg", hg.IngestPerSecond, hg.AllocsPerMsg)
	}
}

// A short area run: the same slider over one topic to 10 lights, over REST
// and through the entertainment area. REST keeps its budget and lands the
// finals near its bound; the stream lands them within 100 ms, sends no
// REST command while the area is active, and hands each light back to
// REST once after it stops. A stream that sent no frames, or fell back to
// REST, misses these bars.
func TestAreaStreamBeatsTheRESTBudget(t *testing.T) {
	rows := runInProcess(t, time.Second, BrokerEmbedded, "area")
	if len(rows) != 2 || rows[0].Mode != ModeHuegateV2 || rows[1].Mode != ModeHuegateStream {
		t.Fatalf("rows %+v, want area/huegate-v2 and area/huegate-stream", rows)
	}
	rest, st := rows[0], rows[1]
	for _, c := range Checks(rows, nil, false) {
		if !c.OK {
			t.Errorf("%s missed %s: got %s, want %s", c.Scenario, c.Bar, c.Got, c.Want)
		}
	}
	if st.StreamFrames == nil || *st.StreamFrames == 0 || st.RESTWhileStreaming == nil || *st.RESTWhileStreaming != 0 {
		t.Fatalf("stream row: %v frames, %v REST commands while streaming; want frames and none",
			derefInt(st.StreamFrames), derefInt(st.RESTWhileStreaming))
	}
	if st.FinalsCorrect != 10 || st.LatencyP99 == nil || *st.LatencyP99 > barStreamP99 || st.HTTP429 != 0 {
		t.Errorf("stream row: finals %d/10, p99 %v ms, %d × 429", st.FinalsCorrect, deref(st.LatencyP99), st.HTTP429)
	}
	// start, stop, and the final value of each light over REST
	if n := derefInt(st.LifecycleCommands); n != 2+10 || st.BridgeCommands != 10 {
		t.Errorf("stream row: %v lifecycle commands, %d light commands; want 12 and 10", n, st.BridgeCommands)
	}
	if derefInt(rest.StreamFrames) != 0 || derefInt(rest.LifecycleCommands) != 0 || rest.FinalsCorrect != 10 || rest.HTTP429 != 0 {
		t.Errorf("REST row: %v frames, %v lifecycle commands, finals %d/10, %d × 429",
			derefInt(rest.StreamFrames), derefInt(rest.LifecycleCommands), rest.FinalsCorrect, rest.HTTP429)
	}
	if rest.LatencyP99 == nil || *rest.LatencyP99 <= *st.LatencyP99 {
		t.Errorf("REST p99 %v ms is no slower than the stream's %v ms", deref(rest.LatencyP99), deref(st.LatencyP99))
	}
}

func derefInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestTheWorldSaysWhatWentWrong(t *testing.T) {
	in := strings.NewReader(`{"op":"setup","setup":{"scenario":"nope","broker":"embedded","prefix":"x"}}` + "\n")
	var out bytes.Buffer
	if err := ServeWorld(context.Background(), in, &out); err == nil {
		t.Fatal("no error for an unknown scenario")
	}
	var e event
	if err := json.Unmarshal(out.Bytes(), &e); err != nil || e.Event != evError || !strings.Contains(e.Error, `"nope"`) {
		t.Fatalf("world wrote %q (%v), want an error event naming the scenario", out.String(), err)
	}
}

// The burst publisher and the broker reference speak MQTT by hand; a real
// broker and paho must agree with them.
func TestRawClientsSpeakMQTT(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	rec := mqtttest.Subscribe(t, broker.URL, "raw/#")
	ctx := context.Background()
	counter, err := startBrokerSystem(ctx, testConfig(broker.URL, "raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer counter.stop()
	pub, err := dialRaw(ctx, broker.URL, "raw-test")
	if err != nil || pub == nil {
		t.Fatalf("dialRaw: %v, %v", pub, err)
	}
	defer pub.close()
	long := strings.Repeat("x", 300) // a remaining length of two bytes
	for i := range 3 {
		if err := pub.publish("raw/in/"+strconv.Itoa(i), []byte(strconv.Itoa(i)+long)); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.flush(); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == "raw/in/2" })
	for i, m := range rec.Messages() {
		if m.Topic != "raw/in/"+strconv.Itoa(i) || string(m.Payload) != strconv.Itoa(i)+long {
			t.Errorf("message %d: %s", i, m)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for counter.received() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
	if n := counter.received(); n != 3 {
		t.Fatalf("the broker reference counted %d messages, want 3", n)
	}
}

func TestRawClientsLeaveOtherSchemesToPaho(t *testing.T) {
	for _, url := range []string{"ws://127.0.0.1:1/mqtt", "ssl://127.0.0.1:1"} {
		if p, err := dialRaw(context.Background(), url, "x"); p != nil || err != nil {
			t.Errorf("dialRaw(%s) = %v, %v; want nothing", url, p, err)
		}
	}
}

func TestMosquittoSubCountsWhatItDrains(t *testing.T) {
	if !mosqSubInstalled() {
		t.Skip("mosquitto_sub is not installed")
	}
	broker := mqtttest.StartMosquitto(t)
	ctx := context.Background()
	sub, err := startMosqSub(ctx, testConfig(broker.URL, "raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.stop()
	if n := sub.received(); n != 0 {
		t.Fatalf("%d messages counted before any was published (the probes are not)", n)
	}
	pub := mqtttest.NewPublisher(t, broker.URL)
	for i := range 3 {
		pub.Publish("raw/in/"+strconv.Itoa(i), []byte(strconv.Itoa(i)), 0, false)
	}
	testkit.Eventually(t, 5*time.Second, "three messages counted", func() bool { return sub.received() >= 3 })
	if n := sub.received(); n != 3 {
		t.Fatalf("counted %d, want 3", n)
	}
	if _, ok := sub.cpu(); !ok && runtime.GOOS == "linux" {
		t.Fatal("no CPU time for mosquitto_sub")
	}
}
