package bench

import (
	"math"
	"net/http"
	"slices"
	"time"
)

// Row is one scenario run against one system. JSON names are the issue's.
type Row struct {
	Scenario             string   `json:"scenario"`
	Mode                 string   `json:"mode"`
	Messages             int      `json:"messages"`                // published, finals included
	BridgeCommands       int      `json:"bridge_commands"`         // light commands the bridge received, refused ones included
	HTTP429              int      `json:"http_429"`                // commands refused with 429
	MaxCommandsPerSecond int      `json:"max_commands_per_second"` // in any 1 s window
	FinalsCorrect        int      `json:"finals_correct"`          // lights that end on their final value
	FinalsTotal          int      `json:"finals_total"`
	LatencyP50           *float64 `json:"last_value_latency_p50_ms"` // final publish → applied; null when a final never arrived
	LatencyP99           *float64 `json:"last_value_latency_p99_ms"`
	LowerBound           *float64 `json:"lower_bound_ms"` // best the bridge's budget allows; null without finals
	IngestPerSecond      float64  `json:"ingest_msgs_per_s"`
	CPUSeconds           *float64 `json:"cpu_seconds"` // null where not measurable
	PeakRSSMB            *float64 `json:"peak_rss_mb"`
	AllocsPerMsg         float64  `json:"allocs_per_msg"`
	// The area scenario's: frames the bridge accepted, REST commands that
	// arrived while the area was active, and the area's starts and stops
	// plus the commands that handed its lights back to REST. Null elsewhere.
	StreamFrames       *int `json:"stream_frames"`
	RESTWhileStreaming *int `json:"rest_while_streaming"`
	LifecycleCommands  *int `json:"lifecycle_commands"`
	lights             int
}

// measured is what the bench process saw of its system during a run.
type measured struct {
	received      int64
	ingestElapsed time.Duration // load start → last message handled
	before, after usage
	peakRSS       float64
	peakOK        bool
}

// summarize turns the world's report and the bench's measurements into a row.
func summarize(sc Scenario, mode string, rep *report, m measured) Row {
	r := Row{Scenario: sc.Name, Mode: mode, Messages: rep.Published, BridgeCommands: len(rep.Commands), lights: sc.Lights}
	times := make([]int64, len(rep.Commands))
	for i, c := range rep.Commands {
		times[i] = c.At
		if c.Status == http.StatusTooManyRequests {
			r.HTTP429++
		}
	}
	r.MaxCommandsPerSecond = maxInWindow(times, int64(time.Second))
	r.FinalsTotal = len(rep.Finals)
	lat := make([]float64, 0, len(rep.Finals))
	for _, f := range rep.Finals {
		if f.Correct {
			r.FinalsCorrect++
		}
		ms := math.Inf(1) // never applied
		if f.Applied != 0 {
			ms = float64(f.Applied-f.Published) / 1e6
		}
		lat = append(lat, ms)
	}
	r.LatencyP50, r.LatencyP99 = percentile(lat, 50), percentile(lat, 99)
	if len(rep.Finals) > 0 && mode != ModeHuegateStream { // the stream has no such budget
		r.LowerBound = ptr(lowerBound(len(rep.Finals), bridgeRate, bridgeLatency))
	}
	if st := rep.Stream; st != nil {
		r.StreamFrames, r.RESTWhileStreaming, r.LifecycleCommands = ptr(st.Frames), ptr(st.RESTWhileStreaming), ptr(st.Lifecycle)
	}
	if m.ingestElapsed > 0 {
		r.IngestPerSecond = math.Round(float64(m.received) / m.ingestElapsed.Seconds())
	}
	if m.before.cpuOK && m.after.cpuOK {
		r.CPUSeconds = ptr(round((m.after.cpu - m.before.cpu).Seconds(), 3))
	}
	if m.peakOK {
		r.PeakRSSMB = ptr(round(m.peakRSS, 1))
	}
	if r.Messages > 0 {
		r.AllocsPerMsg = round(float64(m.after.mallocs-m.before.mallocs)/float64(r.Messages), 2)
	}
	return r
}

// lowerBound is the latency the bridge's budget allows the last of n pending
// finals: n commands spaced 1/rate apart, plus one request's latency.
func lowerBound(n int, rate float64, latency time.Duration) float64 {
	return math.Ceil(float64(n)*1000/rate + float64(latency)/float64(time.Millisecond))
}

// maxInWindow is the most of the sorted times that fall in any window of
// width w.
func maxInWindow(times []int64, w int64) int {
	times = slices.Clone(times)
	slices.Sort(times)
	best, lo := 0, 0
	for hi := range times {
		for times[hi]-times[lo] >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// percentile is the nearest-rank p-th percentile, rounded to 0.1 ms; nil when
// there are no values, or when it falls on a value that never arrived.
func percentile(vals []float64, p float64) *float64 {
	if len(vals) == 0 {
		return nil
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	v := s[max(0, int(math.Ceil(p/100*float64(len(s))))-1)]
	if math.IsInf(v, 1) {
		return nil
	}
	return ptr(round(v, 1))
}

func round(v float64, digits int) float64 {
	f := math.Pow(10, float64(digits))
	return math.Round(v*f) / f
}

func ptr[T any](v T) *T { return &v }
