package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// The bench drives the world with one command per line on the world's stdin;
// the world answers with events on its stdout. A run goes:
//
//	bench → world  {"op":"setup",...}   world → bench  {"event":"ready",...}
//	bench → world  {"op":"load"}        world → bench  {"event":"loaded",...}
//	bench → world  {"op":"finals"}      world → bench  {"event":"finals"}
//	                                    world → bench  {"event":"landed"} (every final applied)
//	bench → world  {"op":"report"}      world → bench  {"event":"report",...}
//
// then the bench closes the world's stdin and the world shuts down. Any
// failure in the world is an {"event":"error"} and its exit.

// Commands the bench sends.
const (
	opSetup  = "setup"
	opLoad   = "load"
	opFinals = "finals"
	opReport = "report"
)

// Events the world sends.
const (
	evReady  = "ready"
	evLoaded = "loaded"
	evFinals = "finals"
	evLanded = "landed"
	evReport = "report"
	evError  = "error"
)

type command struct {
	Op    string `json:"op"`
	Setup *setup `json:"setup,omitempty"`
}

// setup says which world to build.
type setup struct {
	Scenario string `json:"scenario"`
	Broker   string `json:"broker"` // "embedded" or a URL
	Prefix   string `json:"prefix"` // topic prefix of this run
	Duration int64  `json:"duration_ns"`
	// HTTPS serves the bridge as today's square one (https, CLIP v2)
	// instead of plain http with v1 only.
	HTTPS bool `json:"https,omitempty"`
}

type event struct {
	Event  string `json:"event"`
	Broker string `json:"broker,omitempty"` // where the system under test connects
	Bridge string `json:"bridge,omitempty"`
	Key    string `json:"key,omitempty"`
	CA     string `json:"ca,omitempty"` // PEM of the https bridge's test CA
	// ClientKey and StreamPort are the Entertainment stream's key and UDP
	// port, for a bridge that serves one.
	ClientKey  string  `json:"clientkey,omitempty"`
	StreamPort int     `json:"stream_port,omitempty"`
	Published  int     `json:"published,omitempty"`
	Report     *report `json:"report,omitempty"`
	Error      string  `json:"error,omitempty"`
}

// report is what the world saw, for the bench to turn into a row.
type report struct {
	Published int           `json:"published"`        // load and finals
	Commands  []cmdRecord   `json:"commands"`         // light and group commands the bridge received
	Finals    []final       `json:"finals"`           // one per light
	Stream    *streamReport `json:"stream,omitempty"` // for a bridge with an entertainment area
}

// streamReport is what the bridge saw of its entertainment area.
type streamReport struct {
	Frames int `json:"frames"` // stream frames the bridge accepted
	// RESTWhileStreaming counts the light and group commands that arrived
	// while the area was active: the stream hides them from its lights.
	RESTWhileStreaming int `json:"rest_while_streaming"`
	// Lifecycle counts the starts and stops of the area, and the light and
	// group commands after its last stop (the values handed back to REST).
	Lifecycle int `json:"lifecycle"`
}

type cmdRecord struct {
	At     int64 `json:"at"`     // arrival, Unix ns
	Status int   `json:"status"` // 0 when unanswered
}

// final is one light's final value and what became of it.
type final struct {
	Light     string `json:"light"`
	Value     int    `json:"value"`
	Published int64  `json:"published"` // Unix ns, just before the publish
	Applied   int64  `json:"applied"`   // Unix ns when the bridge first applied it; 0 never
	Correct   bool   `json:"correct"`   // the light ends on it
}

// lineWriter writes one JSON object per line, from any goroutine.
type lineWriter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newLineWriter(w io.Writer) *lineWriter { return &lineWriter{enc: json.NewEncoder(w)} }

func (l *lineWriter) write(v any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.enc.Encode(v); err != nil {
		return fmt.Errorf("write to the other process: %w", err)
	}
	return nil
}
