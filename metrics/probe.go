package metrics

import (
	"context"
	"time"
)

// Probe keeps the bridges' health current when no commands flow: every
// interval it reads the lights of each bridge that has not answered for
// half an interval. It returns when ctx ends. One small GET per idle
// bridge per interval is far inside any bridge's budget.
func (m *Metrics) Probe(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, probe := range m.idle(interval / 2) {
			_ = probe(ctx) // the bridge's observer records the outcome
		}
	}
}

func (m *Metrics) idle(quiet time.Duration) []func(context.Context) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []func(context.Context) error
	for _, name := range m.order {
		st := m.bridges[name]
		if now.Sub(st.lastAnswer) >= quiet {
			out = append(out, st.probe)
		}
	}
	return out
}
