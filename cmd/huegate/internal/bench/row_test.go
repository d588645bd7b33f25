package bench

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

const ms = int64(time.Millisecond)

func TestSummarizeTurnsTheWorldsReportIntoTheIssuesFigures(t *testing.T) {
	sc := Scenario{Name: "room", Lights: 3, Topics: 1}
	t0 := int64(1_000_000 * ms)
	rep := &report{
		Published: 200,
		Commands: []cmdRecord{
			{At: t0, Status: 200}, {At: t0 + 100*ms, Status: 429}, {At: t0 + 200*ms, Status: 200},
			{At: t0 + 1500*ms, Status: 200}, {At: t0 + 2600*ms, Status: 0},
		},
		Finals: []final{
			{Light: "1", Value: 201, Published: t0, Applied: t0 + 120*ms, Correct: true},
			{Light: "2", Value: 201, Published: t0, Applied: t0 + 340*ms, Correct: true},
			{Light: "3", Value: 201, Published: t0, Applied: t0 + 560*ms, Correct: false},
		},
	}
	m := measured{
		received: 199, ingestElapsed: 2 * time.Second,
		before:  usage{cpu: time.Second, cpuOK: true, mallocs: 1000},
		after:   usage{cpu: 3 * time.Second, cpuOK: true, mallocs: 1500},
		peakRSS: 12.34, peakOK: true,
	}
	r := summarize(sc, ModeHuegate, rep, m)
	want := Row{Scenario: "room", Mode: ModeHuegate, Messages: 200, BridgeCommands: 5, HTTP429: 1,
		MaxCommandsPerSecond: 3, FinalsCorrect: 2, FinalsTotal: 3, IngestPerSecond: 100, AllocsPerMsg: 2.5}
	if r.Scenario != want.Scenario || r.Messages != want.Messages || r.BridgeCommands != want.BridgeCommands ||
		r.HTTP429 != want.HTTP429 || r.MaxCommandsPerSecond != want.MaxCommandsPerSecond ||
		r.FinalsCorrect != want.FinalsCorrect || r.FinalsTotal != want.FinalsTotal ||
		r.IngestPerSecond != want.IngestPerSecond || r.AllocsPerMsg != want.AllocsPerMsg {
		t.Fatalf("row %+v\nwant %+v", r, want)
	}
	for name, c := range map[string]struct {
		got  *float64
		want float64
	}{
		"p50": {r.LatencyP50, 340}, "p99": {r.LatencyP99, 560}, "lower bound": {r.LowerBound, 330},
		"cpu": {r.CPUSeconds, 2}, "rss": {r.PeakRSSMB, 12.3},
	} {
		if c.got == nil || *c.got != c.want {
			t.Errorf("%s = %v, want %v", name, deref(c.got), c.want)
		}
	}
}

func TestSummarizeLeavesOutWhatWasNotMeasured(t *testing.T) {
	rep := &report{Published: 10, Finals: []final{{Light: "1", Value: 201, Published: 1}}}
	r := summarize(Scenario{Name: "slider", Lights: 1, Topics: 1}, ModeNaive, rep, measured{})
	if r.LatencyP50 != nil || r.LatencyP99 != nil {
		t.Errorf("a final that never arrived has latencies %v/%v, want none", deref(r.LatencyP50), deref(r.LatencyP99))
	}
	if r.CPUSeconds != nil || r.PeakRSSMB != nil || r.IngestPerSecond != 0 {
		t.Errorf("unmeasured figures reported: %+v", r)
	}
	if r.LowerBound == nil || *r.LowerBound != 130 {
		t.Errorf("lower bound %v, want 130 (one light: 100 ms spacing + 30 ms)", deref(r.LowerBound))
	}
	if r := summarize(Scenario{Name: "ingest"}, ModeHuegate, &report{}, measured{}); r.LowerBound != nil {
		t.Errorf("a run without finals has a lower bound %v", *r.LowerBound)
	}
}

// A stream row has the area's figures and no lower bound: the stream has
// no REST budget to be bound by. Other rows leave the area's figures out.
func TestSummarizeTakesTheAreasFigures(t *testing.T) {
	sc := Scenario{Name: "area", Lights: 1, Topics: 1, Area: true}
	rep := &report{Published: 5, Finals: []final{{Light: "1", Value: 201, Published: 1, Applied: 1 + 12*ms, Correct: true}},
		Stream: &streamReport{Frames: 90, RESTWhileStreaming: 0, Lifecycle: 3}}
	r := summarize(sc, ModeHuegateStream, rep, measured{})
	if derefInt(r.StreamFrames) != 90 || derefInt(r.RESTWhileStreaming) != 0 || derefInt(r.LifecycleCommands) != 3 {
		t.Fatalf("row %+v, want 90 frames, 0 REST while streaming, 3 lifecycle", r)
	}
	if r.LowerBound != nil || r.LatencyP99 == nil || *r.LatencyP99 != 12 {
		t.Errorf("lower bound %v, p99 %v; want none and 12", deref(r.LowerBound), deref(r.LatencyP99))
	}
	if r := summarize(sc, ModeHuegateV2, rep, measured{}); r.LowerBound == nil {
		t.Error("the REST row of the area has no lower bound")
	}
	rep.Stream = nil
	if r := summarize(Scenario{Name: "room", Lights: 1, Topics: 1}, ModeHuegate, rep, measured{}); r.StreamFrames != nil || r.RESTWhileStreaming != nil || r.LifecycleCommands != nil {
		t.Errorf("a room row has area figures: %+v", r)
	}
}

func TestChecksHoldTheStreamRowToItsBars(t *testing.T) {
	good := Row{Scenario: "area", Mode: ModeHuegateStream, MaxCommandsPerSecond: 10, FinalsCorrect: 10, FinalsTotal: 10,
		LatencyP99: ptr(40.0), StreamFrames: ptr(200), RESTWhileStreaming: ptr(0), LifecycleCommands: ptr(12)}
	if missed := missedBars(Checks([]Row{good}, nil, false)); len(missed) != 0 {
		t.Fatalf("a good stream row missed %v", missed)
	}
	bad := good
	bad.HTTP429, bad.FinalsCorrect, bad.LatencyP99, bad.StreamFrames, bad.RESTWhileStreaming = 1, 9, ptr(150.0), ptr(0), ptr(3)
	want := "http_429,finals,last_value_latency_p99_ms,stream_frames,rest_while_streaming"
	if missed := missedBars(Checks([]Row{bad}, nil, false)); strings.Join(missed, ",") != want {
		t.Fatalf("missed %v, want %s", missed, want)
	}
	cs := Checks([]Row{{Scenario: "area", Mode: ModeHuegateStream, FinalsTotal: 10}}, nil, false)
	if missed := missedBars(cs); strings.Join(missed, ",") != "finals,last_value_latency_p99_ms,stream_frames,rest_while_streaming" {
		t.Fatalf("a stream row that measured nothing missed only %v", missed)
	}
	if cs[0].Scenario != "area (stream)" {
		t.Errorf("checks named %q, want area (stream)", cs[0].Scenario)
	}
}

func TestMaxInWindowCountsAnySecondNotJustWholeOnes(t *testing.T) {
	at := func(msecs ...int64) []int64 {
		out := make([]int64, len(msecs))
		for i, v := range msecs {
			out[i] = v * ms
		}
		return out
	}
	tests := []struct {
		times []int64
		want  int
	}{
		{nil, 0},
		{at(0), 1},
		{at(0, 1000), 1},            // a second apart: two different seconds
		{at(0, 999), 2},             // within one
		{at(900, 1100, 1200, 0), 3}, // unsorted; the window 100..1099 holds three
		{at(0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 999), 11},
	}
	for _, tt := range tests {
		if got := maxInWindow(tt.times, int64(time.Second)); got != tt.want {
			t.Errorf("maxInWindow(%v) = %d, want %d", tt.times, got, tt.want)
		}
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	vals := []float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	for p, want := range map[float64]float64{50: 5, 99: 10, 10: 1, 100: 10} {
		if got := percentile(vals, p); got == nil || *got != want {
			t.Errorf("p%v = %v, want %v", p, deref(got), want)
		}
	}
	lost := []float64{1, 2, math.Inf(1)}
	if got := percentile(lost, 50); got == nil || *got != 2 {
		t.Errorf("p50 of %v = %v, want 2", lost, deref(got))
	}
	if got := percentile(lost, 99); got != nil {
		t.Errorf("p99 falls on a lost final but is %v", *got)
	}
	if percentile(nil, 50) != nil {
		t.Error("a percentile of nothing")
	}
}

func TestChecksHoldOnlyHuegateRowsToTheBars(t *testing.T) {
	good := Row{Scenario: "many", Mode: ModeHuegate, MaxCommandsPerSecond: 10, FinalsCorrect: 150, FinalsTotal: 150,
		LatencyP99: ptr(15000.0), LowerBound: ptr(15030.0), PeakRSSMB: ptr(20.0), lights: 150}
	bad := good
	bad.HTTP429, bad.MaxCommandsPerSecond, bad.FinalsCorrect, bad.LatencyP99, bad.PeakRSSMB = 3, 12, 149, nil, ptr(31.0)
	naive := bad
	naive.Mode = ModeNaive
	if missed := missedBars(Checks([]Row{good, naive}, nil, false)); len(missed) != 0 {
		t.Fatalf("a good huegate row and a naive row missed %v", missed)
	}
	missed := missedBars(Checks([]Row{bad}, &HotPath{NsPerMsg: 2500, AllocsPerMsg: 2}, false))
	want := []string{"http_429", "max_commands_per_second", "finals", "last_value_latency_p99_ms", "peak_rss_mb", "hot path ns/msg", "hot path allocs/msg"}
	if strings.Join(missed, ",") != strings.Join(want, ",") {
		t.Fatalf("missed %v, want %v", missed, want)
	}
	slow := Row{Scenario: "ingest", Mode: ModeHuegate, IngestPerSecond: 50_000}
	if missed := missedBars(Checks([]Row{slow}, nil, false)); len(missed) != 0 {
		t.Errorf("the ingest bar was held with the built-in broker: %v", missed)
	}
	if missed := missedBars(Checks([]Row{slow}, nil, true)); strings.Join(missed, ",") != "ingest_msgs_per_s" {
		t.Errorf("with an external broker, missed %v, want the ingest bar", missed)
	}
	ref := Row{Scenario: "ingest", Mode: ModeBroker, IngestPerSecond: 60_000}
	cs := Checks([]Row{slow, ref}, nil, true)
	if got := cs[len(cs)-1].Got; got != "50000 (the broker alone: 60000)" {
		t.Errorf("the ingest bar shows %q, want the broker's own figure beside huegate's", got)
	}
}

func missedBars(cs []Check) []string {
	var out []string
	for _, c := range cs {
		if !c.OK {
			out = append(out, c.Bar)
		}
	}
	return out
}

func TestTableIsAlignedAndSaysWhatIsMissing(t *testing.T) {
	rows := []Row{
		{Scenario: "slider", Mode: ModeHuegate, Messages: 1001, FinalsTotal: 1, FinalsCorrect: 1, LatencyP50: ptr(120.0), LatencyP99: ptr(120.0), LowerBound: ptr(130.0)},
		{Scenario: "slider", Mode: ModeNaive, Messages: 1001, FinalsTotal: 1},
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want a header and 2 rows:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], "last_value_latency_p99_ms") || !strings.Contains(lines[0], "rest_while_streaming") ||
		!strings.Contains(lines[2], "lost") || strings.Join(strings.Fields(lines[1])[15:], " ") != "- - -" {
		t.Errorf("table:\n%s", buf.String())
	}
	if len(lines[0]) != len(lines[1]) || len(lines[1]) != len(lines[2]) {
		t.Errorf("lines differ in width:\n%s", buf.String())
	}
}

func TestSelectKeepsTheUsualOrderAndRefusesUnknownNames(t *testing.T) {
	scs, err := Select([]string{"many", "slider"})
	if err != nil || len(scs) != 2 || scs[0].Name != "slider" || scs[1].Name != "many" {
		t.Fatalf("Select = %v, %v", scs, err)
	}
	if _, err := Select([]string{"slidr"}); err == nil || !strings.Contains(err.Error(), "slider") {
		t.Fatalf("err = %v, want one listing the scenarios", err)
	}
}

func TestScenariosSplitTheirLightsAndKeepFinalsApartFromTheLoad(t *testing.T) {
	for _, sc := range Scenarios {
		seen := map[string]bool{}
		for tp := range sc.Topics {
			for _, id := range sc.lightsOf(tp) {
				if seen[id] {
					t.Errorf("%s: light %s on two topics", sc.Name, id)
				}
				seen[id] = true
			}
			if v := finalValue(tp); v <= loadMax || v > 254 {
				t.Errorf("%s: topic %d's final value %d is not in %d..254", sc.Name, tp, v, loadMax+1)
			}
		}
		if len(seen) != sc.Lights {
			t.Errorf("%s: %d lights mapped, want %d", sc.Name, len(seen), sc.Lights)
		}
	}
	for i := range 1000 {
		if v := loadValue(i); v < 1 || v > loadMax {
			t.Fatalf("load value %d out of 1..%d", v, loadMax)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestIngestIsHeldToMosquittoSubInTheSameRun(t *testing.T) {
	sub := Row{Scenario: "ingest", Mode: ModeMosquittoSub, Messages: 1000, IngestPerSecond: 50_000, CPUSeconds: ptr(2.0)}
	fast := Row{Scenario: "ingest", Mode: ModeHuegate, Messages: 1000, IngestPerSecond: 45_000, CPUSeconds: ptr(1.0)}
	var got []string
	for _, c := range Checks([]Row{fast, sub}, nil, false) {
		if strings.HasSuffix(c.Bar, "mosquitto_sub") {
			got = append(got, c.Bar+"="+c.Got+" "+strconv.FormatBool(c.OK))
		}
	}
	want := "time_vs_mosquitto_sub=1.11× true,cpu_per_msg_vs_mosquitto_sub=0.50× true"
	if strings.Join(got, ",") != want {
		t.Fatalf("checks %v, want %s", got, want)
	}
	slow := fast
	slow.IngestPerSecond, slow.CPUSeconds = 40_000, ptr(2.5)
	if missed := missedBars(Checks([]Row{slow, sub}, nil, false)); strings.Join(missed, ",") != "time_vs_mosquitto_sub,cpu_per_msg_vs_mosquitto_sub" {
		t.Fatalf("a slower, costlier huegate missed %v", missed)
	}
}
