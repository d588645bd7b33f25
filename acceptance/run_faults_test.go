package acceptance

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// The bridge's answers swapped while `huegate run` runs: a redirect for
// every command, then `{}` for the lights. huegate keeps the newest value
// and says the bridge is offline, then lands it; an empty answer clears
// nothing.
func TestRunThroughBridgeFaults(t *testing.T) {
	t.Parallel()
	w := startRun(t, "  - {topic: lights, lights: [\"Desk lamp\"]}\n", nil)
	bridgeStatus := mqtttest.Subscribe(t, w.broker.URL, "huegate/bridge/status")
	states := mqtttest.Subscribe(t, w.broker.URL, "huegate/+/+/state")
	bridgeStatus.WaitFor(t, wait, payloadIs("huegate/bridge/status", "online"))

	t.Run("a redirect keeps the newest value until the bridge can be used", func(t *testing.T) {
		redirect := func(rw http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodPut {
				return false
			}
			http.Redirect(rw, r, "https://"+r.Host+r.URL.Path, http.StatusTemporaryRedirect)
			return true
		}
		w.bridge.answer.Store(&redirect)
		from := w.bridge.mark()
		t0 := time.Now()
		w.pub(t, "lights", "55")
		put := func(r bridgeRequest) bool { return r.Method == http.MethodPut }
		first := w.bridge.waitFor(t, from, "a redirected PUT", put)
		bridgeStatus.WaitFor(t, wait, after(t0, payloadIs("huegate/bridge/status", "offline")))
		w.pub(t, "lights", "66")
		w.bridge.waitFor(t, first+1, "66 redirected too", func(r bridgeRequest) bool {
			return put(r) && strings.Contains(string(r.Body), `"bri":66`)
		})
		t1 := time.Now()
		w.bridge.answer.Store(nil)
		w.bridge.waitPut(t, from, "/lights/3/state", `{"on":true,"bri":66,"transitiontime":1}`)
		bridgeStatus.WaitFor(t, wait, after(t1, payloadIs("huegate/bridge/status", "online")))
	})

	t.Run("an empty lights answer clears no state topic", func(t *testing.T) {
		empty := func(rw http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/lights") {
				return false
			}
			rw.Header().Set("Content-Type", "application/json")
			_, _ = rw.Write([]byte("{}"))
			return true
		}
		t0 := time.Now()
		w.bridge.answer.Store(&empty)
		// Three reads of the lights after the swap: the first two were
		// answered {} and acted on before the third was asked.
		from := w.bridge.mark()
		lights := w.bridge.api("/lights")
		for range 3 {
			from = 1 + w.bridge.waitFor(t, from, "a read of the lights", func(r bridgeRequest) bool {
				return r.Method == http.MethodGet && r.Path == lights
			})
		}
		w.bridge.answer.Store(nil)
		for _, m := range states.Messages() {
			if m.Time.After(t0) && len(m.Payload) == 0 {
				t.Fatalf("%s was cleared by an empty answer", m.Topic)
			}
		}
	})
}
