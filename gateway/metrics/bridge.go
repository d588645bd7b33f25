package metrics

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/prometheus/client_golang/prometheus"
)

// bridgeState is what is known of one bridge's answers. Guarded by
// Metrics.mu.
type bridgeState struct {
	bridge     gateway.Bridge // the wrapped bridge, for probes
	lastAnswer time.Time
	lastFail   time.Time
	lastErr    string
}

// Bridge wraps b so that its requests are timed under the bridge's name
// and its answers keep the health check current. Use the result in
// gateway.Options.Bridges.
func (m *Metrics) Bridge(name string, b gateway.Bridge) gateway.Bridge {
	tb := &timedBridge{m: m, name: name, next: b}
	for op, label := range opLabels {
		tb.obs[op] = m.requests.WithLabelValues(name, label)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bridges[name] == nil {
		m.order = append(m.order, name)
	}
	m.bridges[name] = &bridgeState{bridge: tb}
	if es, ok := b.(gateway.EventStreamer); ok {
		// Keep the push channel visible to the gateway through the wrapper.
		return &streamingBridge{timedBridge: tb, es: es}
	}
	return tb
}

// streamingBridge is a timed bridge that also offers the bridge's event
// stream. An open stream and each batch of events count as answers.
type streamingBridge struct {
	*timedBridge
	es gateway.EventStreamer
}

func (b *streamingBridge) Stream(ctx context.Context, open, changed func()) error {
	return b.es.Stream(ctx,
		func() { b.m.heard(b.name); open() },
		func() { b.m.heard(b.name); changed() })
}

// heard records that the bridge said something.
func (m *Metrics) heard(name string) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bridges[name].lastAnswer = now
}

type timedBridge struct {
	m    *Metrics
	name string
	next gateway.Bridge
	obs  [4]prometheus.Observer
}

// Operation indexes into timedBridge.obs.
const (
	opSetLight = iota
	opSetGroup
	opLights
	opGroups
)

var opLabels = [...]string{opSetLight: "set_light", opSetGroup: "set_group", opLights: "lights", opGroups: "groups"}

func (b *timedBridge) SetLight(ctx context.Context, id string, s hue.State) error {
	start := b.m.now()
	err := b.next.SetLight(ctx, id, s)
	b.m.observe(b, opSetLight, start, err)
	return err
}

func (b *timedBridge) SetGroup(ctx context.Context, id string, s hue.State) error {
	start := b.m.now()
	err := b.next.SetGroup(ctx, id, s)
	b.m.observe(b, opSetGroup, start, err)
	return err
}

func (b *timedBridge) Lights(ctx context.Context) ([]hue.Light, error) {
	start := b.m.now()
	ls, err := b.next.Lights(ctx)
	b.m.observe(b, opLights, start, err)
	return ls, err
}

func (b *timedBridge) Groups(ctx context.Context) ([]hue.Group, error) {
	start := b.m.now()
	gs, err := b.next.Groups(ctx)
	b.m.observe(b, opGroups, start, err)
	return gs, err
}

func (m *Metrics) observe(b *timedBridge, op int, start time.Time, err error) {
	if errors.Is(err, context.Canceled) {
		return // huegate stopped waiting; the bridge said nothing
	}
	now := m.now()
	b.obs[op].Observe(now.Sub(start).Seconds())
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.bridges[b.name]
	if answered(err) {
		st.lastAnswer = now
		return
	}
	st.lastFail, st.lastErr = now, err.Error()
}

// answered: the bridge sent an answer, even a refusal (429, an error
// object). Timeouts, refused connections and garbage are not answers.
func answered(err error) bool {
	var api *hue.APIError
	var status *hue.StatusError
	return err == nil || errors.As(err, &api) || errors.As(err, &status)
}

// BridgeReport is one bridge's health.
type BridgeReport struct {
	Name       string    `json:"name"`
	Reachable  bool      `json:"reachable"`
	LastAnswer time.Time `json:"last_answer,omitzero"`
	LastError  string    `json:"last_error,omitempty"`
}

func (m *Metrics) bridgeReport() []BridgeReport {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]BridgeReport, 0, len(m.order))
	for _, name := range m.order {
		st := m.bridges[name]
		r := BridgeReport{Name: name, LastAnswer: st.lastAnswer}
		r.Reachable = !st.lastAnswer.IsZero() && now.Sub(st.lastAnswer) <= m.window && !st.lastFail.After(st.lastAnswer)
		if st.lastFail.After(st.lastAnswer) {
			r.LastError = st.lastErr
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
