package metrics

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Options configures Metrics.
type Options struct {
	// Window is how recently every bridge must have answered for the
	// gateway to count as healthy. Default 30s.
	Window time.Duration
	// Now is the clock; tests replace it. Default time.Now.
	Now func() time.Time
}

// Sources are read when metrics are scraped or health is asked.
type Sources struct {
	Pending   func() int  // the gateway's command queue depth
	Connected func() bool // whether the MQTT client is connected
}

// Metrics collects the gateway's events and the bridges' answers.
type Metrics struct {
	reg    *prometheus.Registry
	window time.Duration
	now    func() time.Time

	received  *prometheus.CounterVec
	rejected  *prometheus.CounterVec
	coalesced *prometheus.CounterVec
	commands  *prometheus.CounterVec
	requests  *prometheus.HistogramVec
	lastValue prometheus.Histogram

	sources atomic.Pointer[Sources]

	mapped   atomic.Pointer[map[string]bool] // the mapped topics: a series each, always
	topicsMu sync.RWMutex
	topics   map[string]bool // other topics with series of their own, at most maxTopics

	mu      sync.Mutex
	bridges map[string]*bridgeState
	order   []string // bridge names in registration order
}

// New builds the metrics in a registry of their own, with the Go runtime's
// and the process's.
func New(o Options) *Metrics {
	if o.Window <= 0 {
		o.Window = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Metrics{reg: prometheus.NewRegistry(), window: o.Window, now: o.Now, bridges: map[string]*bridgeState{}, topics: map[string]bool{}}
	m.received = m.counter("huegate_messages_received_total", "Messages received on mapped topics.", "topic")
	m.rejected = m.counter("huegate_messages_rejected_total", "Payloads that could not be read, by reason.", "topic", "reason")
	m.coalesced = m.counter("huegate_messages_coalesced_total", "Values replaced by a newer one before they were sent.", "topic")
	m.commands = m.counter("huegate_bridge_commands_total",
		"Light and group commands by result: ok, retry (failed, the newest value is resent) or rejected (dropped).", "kind", "result")
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "huegate_bridge_request_duration_seconds", Help: "Time for a bridge to answer a request, by bridge and operation.",
		Buckets: prometheus.DefBuckets,
	}, []string{"bridge", "op"})
	m.lastValue = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "huegate_last_value_latency_seconds", Help: "Time from the newest message for a light to the success of the command carrying it.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	m.reg.MustRegister(m.requests, m.lastValue, &gauges{m: m})
	// The standard go_ and process_ series (goroutines, heap, open files,
	// resident memory, CPU), under the names dashboards already use.
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, kind := range []string{"light", "group"} {
		for _, result := range []string{"ok", "retry", "rejected"} {
			m.commands.WithLabelValues(kind, result)
		}
	}
	return m
}

func (m *Metrics) counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	m.reg.MustRegister(c)
	return c
}

// SetSources tells the metrics where to read the queue depth and the MQTT
// connection state; until then both read as zero.
func (m *Metrics) SetSources(s Sources) { m.sources.Store(&s) }

// Registry is where the metrics live, for serving them.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Received is one of the gateway's events.
func (m *Metrics) Received(topic string) { m.received.WithLabelValues(m.topic(topic)).Inc() }

// Rejected is one of the gateway's events.
func (m *Metrics) Rejected(topic, reason string) {
	m.rejected.WithLabelValues(m.topic(topic), reason).Inc()
}

// Coalesced is one of the gateway's events.
func (m *Metrics) Coalesced(topic string) { m.coalesced.WithLabelValues(m.topic(topic)).Inc() }

const (
	// maxTopics bounds the topic label: set topics are a wildcard
	// subscription, so any client can invent new topics, and each would
	// otherwise be a series kept for ever.
	maxTopics = 256
	// OtherTopic is the topic label of messages on topics past maxTopics.
	OtherTopic = "_other"
)

// SetMapped names the mapped topics: each has a series of its own however
// many other topics were seen first (set topics are a wildcard, and any
// client can invent them).
func (m *Metrics) SetMapped(topics []string) {
	set := make(map[string]bool, len(topics))
	for _, t := range topics {
		set[t] = true
	}
	m.mapped.Store(&set)
}

// topic is the label for a topic: itself if it is mapped or while there is
// room, else OtherTopic.
func (m *Metrics) topic(t string) string {
	if p := m.mapped.Load(); p != nil && (*p)[t] {
		return t
	}
	m.topicsMu.RLock()
	known, n := m.topics[t], len(m.topics)
	m.topicsMu.RUnlock()
	switch {
	case known:
		return t
	case n >= maxTopics:
		return OtherTopic
	}
	m.topicsMu.Lock()
	defer m.topicsMu.Unlock()
	if len(m.topics) >= maxTopics && !m.topics[t] {
		return OtherTopic
	}
	m.topics[t] = true
	return t
}

// Sent is one of the gateway's events.
func (m *Metrics) Sent(kind, _ string, _ hue.State, newest time.Time, err error) {
	result := "ok"
	switch {
	case err == nil:
		if !newest.IsZero() {
			m.lastValue.Observe(m.now().Sub(newest).Seconds())
		}
	case hue.Retryable(err):
		result = "retry"
	default:
		result = "rejected"
	}
	m.commands.WithLabelValues(kind, result).Inc()
}

// gauges reports the values read at scrape time: queue depth, MQTT
// connection, and whether each bridge answered within the window.
type gauges struct{ m *Metrics }

var (
	descPending   = prometheus.NewDesc("huegate_command_queue_depth", "Lights and groups with a value not yet sent.", nil, nil)
	descConnected = prometheus.NewDesc("huegate_mqtt_connected", "1 when connected to the MQTT broker.", nil, nil)
	descReachable = prometheus.NewDesc("huegate_bridge_reachable",
		"1 when the bridge answered its latest request, within the health window.", []string{"bridge"}, nil)
)

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- descPending
	ch <- descConnected
	ch <- descReachable
}

func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	pending, connected := g.m.read()
	ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(descConnected, prometheus.GaugeValue, boolValue(connected))
	for _, b := range g.m.bridgeReport() {
		ch <- prometheus.MustNewConstMetric(descReachable, prometheus.GaugeValue, boolValue(b.Reachable), b.Name)
	}
}

func (m *Metrics) read() (pending int, connected bool) {
	s := m.sources.Load()
	if s == nil {
		return 0, false
	}
	if s.Pending != nil {
		pending = s.Pending()
	}
	if s.Connected != nil {
		connected = s.Connected()
	}
	return pending, connected
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
