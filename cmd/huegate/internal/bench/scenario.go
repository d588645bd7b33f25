package bench

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Scenario is one kind of load.
type Scenario struct {
	Name   string
	Lights int // lights mapped; split evenly over the topics
	Topics int
	// Rate is messages per second over all topics while the load runs; 0
	// publishes as fast as the broker takes them.
	Rate float64
	// PerSecond, when set, makes the load a fixed number of messages (this
	// many per second of --duration) published as fast as possible, instead
	// of a load that lasts --duration.
	PerSecond int
	Finals    bool     // a final value per topic after the load
	Modes     []string // the systems it runs against, in order
	// Area makes the lights an entertainment area on a bridge that serves
	// the Entertainment stream; the stream row maps the topic to the area.
	Area bool
}

// Scenarios are the loads of the issue, in the order they run, plus ingest:
// the separate throughput and memory measurement.
var Scenarios = []Scenario{
	{Name: "slider", Lights: 1, Topics: 1, Rate: 100, Finals: true, Modes: both},
	{Name: "room", Lights: 5, Topics: 1, Rate: 100, Finals: true, Modes: both},
	// area: the room beyond the REST budget, REST and stream side by side.
	{Name: "area", Lights: 10, Topics: 1, Rate: 100, Finals: true, Area: true, Modes: []string{ModeHuegateV2, ModeHuegateStream}},
	{Name: "flood", Lights: 50, Topics: 10, Finals: true, Modes: both},
	{Name: "many", Lights: 150, Topics: 150, Rate: 1000, Finals: true, Modes: both},
	{Name: "ingest", Lights: 150, Topics: 150, PerSecond: 100_000, Modes: []string{ModeHuegate, ModeBroker, ModeMosquittoSub}},
}

var both = []string{ModeHuegate, ModeHuegateV2, ModeNaive}

// Select returns the named scenarios in their usual order; no names means all.
func Select(names []string) ([]Scenario, error) {
	if len(names) == 0 {
		return Scenarios, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if _, ok := find(n); !ok {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", n, strings.Join(Names(), ", "))
		}
		want[n] = true
	}
	var out []Scenario
	for _, s := range Scenarios {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}

// Names lists the scenarios.
func Names() []string {
	out := make([]string, len(Scenarios))
	for i, s := range Scenarios {
		out[i] = s.Name
	}
	return out
}

func find(name string) (Scenario, bool) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// The bridge the world emulates.
const (
	bridgeLatency = 30 * time.Millisecond
	bridgeRate    = 10 // commands per second before it answers 429
)

// streamIdle is the stream row's stream_idle: short, so the area stops and
// hands its lights back to REST within the run.
const streamIdle = 500 * time.Millisecond

// areaName is the entertainment area of an Area scenario's bridge.
const areaName = "Bench area"

// Values: the load moves lights within loadMax, finals lie above it, so the
// emulator can tell a final value from anything sent before it.
const (
	loadMax  = 200
	finalMin = loadMax + 1
)

// loadValue is the i-th value published on a topic: a knob turned up and
// round again.
func loadValue(i int) int { return 1 + i%loadMax }

// finalValue is topic t's final value, in finalMin..254.
func finalValue(t int) int { return finalMin + t%(254-finalMin+1) }

// lightsOf returns the ids of topic t's lights, "1" upwards over all topics.
func (s Scenario) lightsOf(t int) []string {
	lo, hi := t*s.Lights/s.Topics, (t+1)*s.Lights/s.Topics
	ids := make([]string, 0, hi-lo)
	for i := lo; i < hi; i++ {
		ids = append(ids, strconv.Itoa(i+1))
	}
	return ids
}

// topic is the name of topic t under a run's prefix.
func topic(prefix string, t int) string { return prefix + "/in/" + strconv.Itoa(t) }

// The modes a row can have: the system it measured.
const (
	ModeHuegate = "huegate" // huegate's pipeline, as `run` wires it, to a v1 bridge over http
	// ModeHuegateV2 is huegate to a bridge with https and CLIP v2.
	ModeHuegateV2 = "huegate-v2"
	// ModeHuegateStream is huegate to the same bridge, the topic mapped to
	// its entertainment area (stream:) instead of its lights.
	ModeHuegateStream = "huegate-stream"
	ModeNaive         = "naive"  // one bridge call per message (naive.go)
	ModeBroker        = "broker" // a subscriber that only counts (rawsub.go): the broker's ceiling
	// ModeMosquittoSub is `mosquitto_sub` draining the flood (mosqsub.go):
	// the reference subscriber users know.
	ModeMosquittoSub = "mosquitto_sub"
)

// messages is how many messages a fixed-count load publishes.
func (s Scenario) messages(d time.Duration) int {
	return max(10_000, int(float64(s.PerSecond)*d.Seconds()))
}
