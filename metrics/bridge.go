package metrics

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/prometheus/client_golang/prometheus"
)

// bridgeState is what is known of one bridge's answers. Guarded by
// Metrics.mu.
type bridgeState struct {
	probe      func(context.Context) error // a cheap read, for idle bridges
	lastAnswer time.Time
	lastFail   time.Time
	lastErr    string
	// Commands failing since (zero while the last one succeeded or was
	// refused for its content): a bridge that answers reads but fails every
	// command (error 901, 429, 503) is not healthy.
	cmdFailingSince time.Time
	cmdErr          string
}

// Bridge registers a bridge under name and returns the observer to put in
// its hue.Config: every request the client makes is then timed, and its
// answers keep the health check current. probe is a cheap read that Probe
// makes when the bridge has been idle; it goes through the same client, so
// the observer hears its outcome.
func (m *Metrics) Bridge(name string, probe func(context.Context) error) hue.Observer {
	o := &observer{m: m, name: name, obs: map[hue.Op]prometheus.Observer{}}
	for _, op := range ops {
		o.obs[op] = m.requests.WithLabelValues(name, string(op))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bridges[name] == nil {
		m.order = append(m.order, name)
	}
	m.bridges[name] = &bridgeState{probe: probe}
	return o
}

// ops are the operations with series of their own, so each shows (at zero)
// before it first happens.
var ops = []hue.Op{hue.OpSetLight, hue.OpSetGroup, hue.OpLights, hue.OpGroups, hue.OpScenes, hue.OpConfig, hue.OpArea}

// observer is one bridge's hue.Observer.
type observer struct {
	m    *Metrics
	name string
	obs  map[hue.Op]prometheus.Observer // read-only after Bridge
}

// Request implements hue.Observer.
func (o *observer) Request(op hue.Op, took time.Duration, err error) {
	if errors.Is(err, context.Canceled) {
		return // huegate stopped waiting; the bridge said nothing
	}
	if h := o.obs[op]; h != nil {
		h.Observe(took.Seconds())
	}
	now := o.m.now()
	o.m.mu.Lock()
	defer o.m.mu.Unlock()
	st := o.m.bridges[o.name]
	if op == hue.OpSetLight || op == hue.OpSetGroup {
		st.command(now, err)
	}
	if answered(err) {
		st.lastAnswer = now
		return
	}
	st.lastFail, st.lastErr = now, err.Error()
}

// command follows whether commands succeed. Callers hold Metrics.mu.
func (st *bridgeState) command(now time.Time, err error) {
	if !hue.Unusable(err) {
		st.cmdFailingSince, st.cmdErr = time.Time{}, ""
		return
	}
	if st.cmdFailingSince.IsZero() {
		st.cmdFailingSince = now
	}
	st.cmdErr = err.Error()
}

// Heard implements hue.Observer: an open event stream and each batch of
// events count as answers.
func (o *observer) Heard() {
	now := o.m.now()
	o.m.mu.Lock()
	defer o.m.mu.Unlock()
	o.m.bridges[o.name].lastAnswer = now
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
		if !st.cmdFailingSince.IsZero() && now.Sub(st.cmdFailingSince) > m.window {
			r.Reachable = false
			r.LastError = fmt.Sprintf("every command failed for %s: %s", now.Sub(st.cmdFailingSince).Round(time.Second), st.cmdErr)
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
