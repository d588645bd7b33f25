package metrics_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/metrics"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// The metrics and health of huegate as a whole, built by app.New and
// served over HTTP, are tested in ../app/metrics_test.go; these tests feed
// a Metrics directly.

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeBridge is a hue.Client stand-in: a read that ends with err, told to
// the bridge's observer as the client would.
type fakeBridge struct {
	mu  sync.Mutex
	obs hue.Observer
	err error
	n   int
}

func (f *fakeBridge) register(m *metrics.Metrics, name string) *fakeBridge {
	f.obs = m.Bridge(name, f.read)
	return f
}

func (f *fakeBridge) read(context.Context) error {
	f.mu.Lock()
	f.n++
	err := f.err
	f.mu.Unlock()
	f.obs.Request(hue.OpLights, time.Millisecond, err)
	return err
}

func (f *fakeBridge) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func TestABridgeSilentForLongerThanTheWindowIsUnhealthy(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	m := metrics.New(metrics.Options{Window: 30 * time.Second, Now: clk.Now})
	m.SetSources(metrics.Sources{Connected: func() bool { return true }})
	b := (&fakeBridge{}).register(m, "attic")
	if h := m.Health(); h.Status != "unhealthy" || h.Reasons[0] != "bridge attic has not answered yet" {
		t.Fatalf("before any answer: %+v", h)
	}
	if err := b.read(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h := m.Health(); h.Status != "ok" {
		t.Fatalf("after an answer: %+v", h)
	}
	clk.Add(31 * time.Second)
	if h := m.Health(); h.Status != "unhealthy" || h.Reasons[0] != "bridge attic has not answered for 31s" {
		t.Fatalf("after 31 s of silence: %+v", h)
	}
}

func TestARefusalIsStillAnAnswer(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.SetSources(metrics.Sources{Connected: func() bool { return true }})
	f := (&fakeBridge{err: &hue.StatusError{Code: 429}}).register(m, "default")
	_ = f.read(context.Background())
	if h := m.Health(); h.Status != "ok" {
		t.Fatalf("a 429 made the bridge unhealthy: %+v", h)
	}
	f.err = errors.New("dial tcp 127.0.0.1:80: connect: connection refused")
	_ = f.read(context.Background())
	if h := m.Health(); h.Status != "unhealthy" || !strings.Contains(h.Reasons[0], "connection refused") {
		t.Fatalf("a refused connection: %+v", h)
	}
	f.err = context.Canceled // huegate gave up: says nothing about the bridge
	_ = f.read(context.Background())
	if h := m.Health(); !strings.Contains(h.Reasons[0], "connection refused") {
		t.Fatalf("a cancelled request changed health: %+v", h)
	}
}

func TestProbeAsksOnlyIdleBridges(t *testing.T) {
	m := metrics.New(metrics.Options{})
	f := (&fakeBridge{}).register(m, "default")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Probe(ctx, 10*time.Millisecond)
	}()
	testkit.Eventually(t, 10*time.Second, "two probes", func() bool { return f.calls() >= 2 })
	cancel()
	<-done
	if h := m.Health(); !h.Bridges[0].Reachable {
		t.Fatalf("probed bridge not reachable: %+v", h)
	}
}

func TestEveryNameIsHuegatesOrTheStandardOnesAndPassesLint(t *testing.T) {
	m := metrics.New(metrics.Options{})
	(&fakeBridge{}).register(m, "default")
	m.Received("lights")
	m.Rejected("lights", "not_a_number")
	m.Coalesced("lights")
	m.Sent("light", "3", hue.State{}, time.Now(), nil)
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	own := 0
	for _, f := range families {
		switch name := f.GetName(); {
		case strings.HasPrefix(name, "huegate_"):
			own++
		case strings.HasPrefix(name, "go_"), strings.HasPrefix(name, "process_"):
			// the standard Go runtime and process collectors
		default:
			t.Errorf("metric %s starts with neither huegate_ nor go_ or process_", name)
		}
	}
	if own < 9 {
		t.Fatalf("%d huegate_ metric families, want at least 9", own)
	}
	problems, err := promlint.NewWithMetricFamilies(families).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestTheEventStreamCountsAsAnAnswer(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.SetSources(metrics.Sources{Connected: func() bool { return true }})
	obs := m.Bridge("default", func(context.Context) error { return nil })
	if m.Health().Bridges[0].Reachable {
		t.Fatal("reachable before anything was heard")
	}
	obs.Heard() // what hue.Client.Stream says when the stream opens
	if !m.Health().Bridges[0].Reachable {
		t.Fatal("an open event stream did not count as an answer")
	}
}

func TestInventedTopicsCannotGrowTheMetricsWithoutBound(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.Received("lights")
	for i := range 10000 {
		topic := "huegate/lights/junk" + strconv.Itoa(i) + "/set"
		m.Received(topic)
		m.Rejected(topic, "unknown_light")
	}
	m.Received("lights")
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "huegate_messages_received_total" {
			continue
		}
		if n := len(f.GetMetric()); n > 257 {
			t.Fatalf("%d received series for 10001 topics", n)
		}
		for _, s := range f.GetMetric() {
			label := s.GetLabel()[0].GetValue()
			if label == "lights" && s.GetCounter().GetValue() != 2 {
				t.Errorf("the first topic lost its own series: %v", s)
			}
			if label == metrics.OtherTopic && s.GetCounter().GetValue() != 10000-255 {
				t.Errorf("_other = %v, want %d", s.GetCounter().GetValue(), 10000-255)
			}
		}
	}
}

// Invented set topics seen first cannot take the series of a mapped topic.
func TestAMappedTopicKeepsItsSeriesWhateverCameFirst(t *testing.T) {
	m := metrics.New(metrics.Options{})
	for i := range 300 {
		m.Received("huegate/lights/junk" + strconv.Itoa(i) + "/set")
	}
	m.SetMapped([]string{"lights"})
	m.Received("lights")
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "huegate_messages_received_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			if s.GetLabel()[0].GetValue() == "lights" && s.GetCounter().GetValue() == 1 {
				return
			}
		}
	}
	t.Fatal("the mapped topic has no series of its own")
}

// A bridge that answers every read but fails every command is not healthy
// once that has lasted the window; one success makes it healthy again.
func TestABridgeFailingEveryCommandIsUnhealthy(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	m := metrics.New(metrics.Options{Window: 30 * time.Second, Now: clk.Now})
	m.SetSources(metrics.Sources{Connected: func() bool { return true }})
	f := (&fakeBridge{}).register(m, "default")
	fail := &hue.APIError{Type: hue.ErrTypeInternalBridge, Description: "Internal error, 901"}
	for range 4 {
		_ = f.read(context.Background())
		f.obs.Request(hue.OpSetLight, time.Millisecond, fail)
		clk.Add(10 * time.Second)
	}
	_ = f.read(context.Background())
	h := m.Health()
	if h.Status != "unhealthy" || len(h.Reasons) != 1 || !strings.Contains(h.Reasons[0], "every command failed for 40s") {
		t.Fatalf("commands failing for 40 s with reads fine: %+v", h)
	}
	f.obs.Request(hue.OpSetLight, time.Millisecond, nil)
	if h := m.Health(); h.Status != "ok" {
		t.Fatalf("after a command succeeded: %+v", h)
	}
	f.obs.Request(hue.OpSetLight, time.Millisecond, &hue.APIError{Type: 7}) // an invalid value: the bridge works
	clk.Add(time.Minute)
	_ = f.read(context.Background())
	if h := m.Health(); h.Status != "ok" {
		t.Fatalf("a refused value made the bridge unhealthy: %+v", h)
	}
}
