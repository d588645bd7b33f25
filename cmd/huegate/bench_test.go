package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

type benchRow struct {
	Scenario       string   `json:"scenario"`
	Mode           string   `json:"mode"`
	Messages       int      `json:"messages"`
	BridgeCommands int      `json:"bridge_commands"`
	HTTP429        int      `json:"http_429"`
	MaxPerSecond   int      `json:"max_commands_per_second"`
	FinalsCorrect  int      `json:"finals_correct"`
	FinalsTotal    int      `json:"finals_total"`
	P99            *float64 `json:"last_value_latency_p99_ms"`
	LowerBound     *float64 `json:"lower_bound_ms"`
	StreamFrames   *int     `json:"stream_frames"`
	RESTStreaming  *int     `json:"rest_while_streaming"`
}

// The CI smoke of `huegate bench`: a one-second run of three scenarios
// through a real Mosquitto. The rows are there, huegate's rows hold the
// bars (the exit code says so too), the area's stream row streamed, and
// the broker is left without the run's retained topics.
func TestBenchSmoke(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	p := startHuegate(t, nil, "bench", "--duration", "1s", "--scenario", "slider,room,area", "--json", "--broker", broker.URL)
	if code := p.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0 (bars held)", code)
	}
	out := p.out.String()
	var rows []benchRow
	if err := json.Unmarshal([]byte(out[strings.Index(out, "["):strings.LastIndex(out, "]")+1]), &rows); err != nil {
		t.Fatalf("no JSON array in the output: %v", err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Scenario+"/"+r.Mode)
		if r.Mode == "huegate-stream" && (r.StreamFrames == nil || *r.StreamFrames == 0 || r.RESTStreaming == nil || *r.RESTStreaming != 0 ||
			r.FinalsCorrect != 10 || r.P99 == nil || *r.P99 > 100) {
			t.Errorf("the stream row misses a bar: %+v", r)
		}
		if r.Mode != "huegate" {
			continue
		}
		if r.Messages == 0 || r.HTTP429 != 0 || r.MaxPerSecond > 11 || r.FinalsCorrect != r.FinalsTotal || r.FinalsTotal == 0 ||
			r.P99 == nil || r.LowerBound == nil || *r.P99 > 1.5**r.LowerBound+100 {
			t.Errorf("%s misses a bar: %+v", r.Scenario, r)
		}
	}
	if strings.Join(got, " ") != "slider/huegate slider/huegate-v2 slider/naive room/huegate room/huegate-v2 room/naive area/huegate-v2 area/huegate-stream" {
		t.Fatalf("rows %v", got)
	}

	// Whatever is retained under the bench's prefix arrives before the
	// marker published after subscribing.
	rec := mqtttest.Subscribe(t, broker.URL, "huegate-bench/#")
	mqtttest.Publish(t, broker.URL, "huegate-bench/marker", []byte("x"), false)
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == "huegate-bench/marker" })
	for _, m := range rec.Messages() {
		if m.Retained {
			t.Errorf("the bench left %s retained", m)
		}
	}
}

func TestBenchRefusesAnUnknownScenario(t *testing.T) {
	var out, errOut strings.Builder
	if code := execute([]string{"bench", "--scenario", "disco"}, &out, &errOut); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "slider") {
		t.Fatalf("the error does not list the scenarios: %s", errOut.String())
	}
}
