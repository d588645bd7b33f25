package metrics

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Health is the body of /healthz.
type Health struct {
	Status        string         `json:"status"` // "ok" or "unhealthy"
	Reasons       []string       `json:"reasons,omitempty"`
	MQTTConnected bool           `json:"mqtt_connected"`
	Bridges       []BridgeReport `json:"bridges"`
}

// Health says whether huegate is connected to the broker and every bridge
// answered within the window, and if not, why.
func (m *Metrics) Health() Health {
	_, connected := m.read()
	h := Health{Status: "ok", MQTTConnected: connected, Bridges: m.bridgeReport()}
	if !connected {
		h.Reasons = append(h.Reasons, "not connected to the MQTT broker")
	}
	for _, b := range h.Bridges {
		if reason := m.bridgeProblem(b); reason != "" {
			h.Reasons = append(h.Reasons, reason)
		}
	}
	if len(h.Reasons) > 0 {
		h.Status = "unhealthy"
	}
	return h
}

func (m *Metrics) bridgeProblem(b BridgeReport) string {
	switch {
	case b.Reachable:
		return ""
	case b.LastError != "":
		return fmt.Sprintf("bridge %s: %s", b.Name, b.LastError)
	case b.LastAnswer.IsZero():
		return fmt.Sprintf("bridge %s has not answered yet", b.Name)
	default:
		return fmt.Sprintf("bridge %s has not answered for %s", b.Name, m.now().Sub(b.LastAnswer).Round(time.Second))
	}
}

func (m *Metrics) serveHealth(w http.ResponseWriter, _ *http.Request) {
	h := m.Health()
	body, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if h.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(append(body, '\n'))
}
