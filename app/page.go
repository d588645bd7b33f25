package app

import (
	"net/http"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/inventory"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/web"
)

// pageBroker is huegate's MQTT client as the gateway uses it while the
// control page is on: the page is shown every message huegate publishes and
// every one it receives on a subscribed topic, after the gateway had it.
type pageBroker struct {
	*mqtt.Client
	page *web.Page
}

func (b pageBroker) Publish(topic string, payload []byte, retained bool) error {
	b.page.Published(topic, payload)
	return b.Client.Publish(topic, payload, retained)
}

func (b pageBroker) Subscribe(topic string, h mqtt.Handler) error {
	return b.Client.Subscribe(topic, b.heard(h))
}

func (b pageBroker) SubscribeAll(topics []string, h mqtt.Handler) error {
	return b.Client.SubscribeAll(topics, b.heard(h))
}

// heard is h, then the page is shown the message.
func (b pageBroker) heard(h mqtt.Handler) mqtt.Handler {
	return func(m mqtt.Message) {
		h(m)
		b.page.Heard(m.Topic, m.Payload)
	}
}

// gatewayBroker is what the gateway publishes and subscribes through.
func (a *App) gatewayBroker() gateway.Broker {
	if a.x.page == nil {
		return a.client
	}
	return pageBroker{Client: a.client, page: a.x.page}
}

// mountPage builds the control page on huegate's MQTT client and serves it
// at / beside /metrics and /healthz.
func (x *extras) mountPage(cfg *config.Config, client *mqtt.Client) {
	if x.mux == nil || !cfg.HTTP.Page {
		return
	}
	x.page = web.New(web.Options{Broker: client, Token: cfg.HTTP.AuthToken, Log: x.log.With().Str("part", "page").Logger()})
	x.mux.Handle("/", x.page.Handler())
}

// httpHandler is /metrics and /healthz; / is the page once mountPage ran,
// or a line naming the endpoints when the page is off.
func (x *extras) httpHandler(cfg *config.Config) http.Handler {
	metrics := x.metrics.Handler()
	x.mux = http.NewServeMux()
	x.mux.Handle("GET /metrics", metrics)
	x.mux.Handle("GET /healthz", metrics)
	if !cfg.HTTP.Page {
		x.mux.Handle("GET /{$}", metrics)
	}
	return x.mux
}

// showMappings tells the page which topics are mapped.
func (x *extras) showMappings(ms []mapping.Mapping) {
	if x.page == nil {
		return
	}
	out := make([]web.Mapping, len(ms))
	for i, m := range ms {
		out[i] = web.Mapping{Topic: m.Topic, Min: m.Range.Min, Max: m.Range.Max, Lights: refNames(m.Lights), Groups: refNames(m.Groups)}
	}
	x.page.SetMappings(out)
}

func refNames(rs []mapping.Ref) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
		if r.ID != "" {
			out[i] = "#" + r.ID
		}
	}
	return out
}

// inventoryHooks are who gets each bridge's inventory: Home Assistant
// discovery and the page, whichever are on.
func (a *App) inventoryHooks() func(inventory.Inventory) {
	var hooks []func(inventory.Inventory)
	if a.ha != nil {
		hooks = append(hooks, a.ha.Update)
	}
	if a.x.page != nil {
		hooks = append(hooks, a.x.page.SetInventory)
	}
	if len(hooks) == 0 {
		return nil
	}
	return func(inv inventory.Inventory) {
		for _, h := range hooks {
			h(inv)
		}
	}
}
