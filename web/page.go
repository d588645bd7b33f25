package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/inventory"
	"github.com/huegate/huegate/mapping"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

//go:embed assets
var assets embed.FS

// maxPayload is the largest payload the page is shown for a shared topic,
// as much as huegate's mapped topics take.
const maxPayload = mapping.MaxPayload

// maxPages is how many pages may be open at once.
const maxPages = 64

// Publisher is what the page needs from huegate's MQTT connection
// (*mqtt.Client).
type Publisher interface {
	Publish(topic string, payload []byte, retained bool) error
	Connected() bool
}

// Options configures a Page.
type Options struct {
	Broker Publisher
	// Token is http.auth_token: when set, the page and the WebSocket need
	// it. When empty, they answer only requests naming a loopback host.
	Token string
	Log   zerolog.Logger
}

// Mapping is one mapped topic as the page shows it: a slider over Min..Max.
type Mapping struct {
	Topic  string   `json:"topic"`
	Min    float64  `json:"min"`
	Max    float64  `json:"max"`
	Lights []string `json:"lights"`
	Groups []string `json:"groups"`
}

// Page serves the control page and its WebSocket.
type Page struct {
	opts     Options
	hub      *hub
	upgrader websocket.Upgrader
	open     sync.WaitGroup
	failed   *rate.Limiter // wrong tokens

	mapped atomic.Pointer[map[string]mapping.Range] // the shared topics; read for every message

	mu          sync.Mutex
	setTopics   map[string]bool                // every light's and group's set topic: true for groups
	inventories map[string]inventory.Inventory // by bridge name
}

// New builds the page. It serves nothing until its Handler is mounted.
func New(o Options) *Page {
	p := &Page{
		opts: o, hub: newHub(o.Broker.Connected), failed: rate.NewLimiter(failedRate, failedBurst),
		setTopics: map[string]bool{}, inventories: map[string]inventory.Inventory{},
	}
	// gorilla's default Origin check: a browser's Origin must name the host
	// the request was sent to, so no other site can open the socket.
	p.upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096}
	p.SetMappings(nil)
	return p
}

// Handler serves / (the page), /assets/ and /ws.
func (p *Page) Handler() http.Handler {
	static, _ := fs.Sub(assets, "assets")
	mux := http.NewServeMux()
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", p.guard(p.serveIndex))
	mux.HandleFunc("GET /ws", p.guard(p.serveSocket))
	return securityHeaders(mux)
}

func (p *Page) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	http.ServeFileFS(w, r, assets, "assets/index.html")
}

func (p *Page) serveSocket(w http.ResponseWriter, r *http.Request) {
	if !p.hub.reserve() {
		http.Error(w, fmt.Sprintf("huegate: %d pages are open already, or huegate is stopping", maxPages), http.StatusServiceUnavailable)
		return
	}
	conn, err := p.upgrader.Upgrade(w, r, nil) // answers a refusal itself
	if err != nil {
		p.hub.unreserve()
		return
	}
	c := newClient(conn)
	p.open.Add(2)       // before join: Close waits for these once join has the page
	if !p.hub.join(c) { // huegate is stopping
		p.open.Add(-2)
		c.close()
		return
	}
	go func() {
		defer p.open.Done()
		c.writeLoop()
	}()
	go func() {
		defer p.open.Done()
		c.readLoop(func(m message) { p.publish(c, m) })
		p.hub.leave(c)
	}()
}

// publish sends a page's message to the broker if the page may send it: a
// value on a shared topic (retained: the topic holds the latest value) or
// a command on a set topic (not retained, as commands are).
func (p *Page) publish(c *client, m message) {
	r, shared := (*p.mapped.Load())[m.Topic]
	p.mu.Lock()
	group, set := p.setTopics[m.Topic]
	p.mu.Unlock()
	payload := []byte(m.Payload)
	var err error
	switch {
	case shared:
		_, err = mapping.Parse(payload, r)
	case set:
		_, err = mapping.ParseCommand(payload, group)
	default:
		c.put(topicError, "not a mapped topic or a set topic: "+quote(m.Topic))
		return
	}
	// What huegate would refuse is not published: on a shared topic it
	// would stay, retained, for every client.
	if err != nil {
		c.put(topicError, "not sent to "+quote(m.Topic)+": "+err.Error())
		return
	}
	if err := p.opts.Broker.Publish(m.Topic, payload, shared); err != nil {
		c.put(topicError, "not sent to "+quote(m.Topic)+": huegate is not connected to the broker")
		p.opts.Log.Debug().Err(err).Str("topic", m.Topic).Msg("control page: publish failed")
	}
}

// quote shows an outside string in an error, short and with control
// characters escaped.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// Published is a message huegate published (a state, its availability, a
// synced value): the page shows it as a subscriber of the topic would.
func (p *Page) Published(topic string, payload []byte) {
	if len(payload) > maxPayload*64 {
		return
	}
	p.hub.set(topic, payload)
}

// Heard is a message huegate received; the page keeps those on the shared
// topics, so its sliders show what other clients set.
func (p *Page) Heard(topic string, payload []byte) {
	if _, ok := (*p.mapped.Load())[topic]; ok && len(payload) <= maxPayload && len(payload) > 0 {
		p.hub.set(topic, payload)
	}
}

// SetMappings is the mappings in force; the page shows a slider for each.
func (p *Page) SetMappings(ms []Mapping) {
	if ms == nil {
		ms = []Mapping{}
	}
	mapped := make(map[string]mapping.Range, len(ms))
	for _, m := range ms {
		mapped[m.Topic] = mapping.Range{Min: m.Min, Max: m.Max}
	}
	p.mapped.Store(&mapped)
	b, _ := json.Marshal(ms)
	p.hub.set(topicMappings, b)
}

// SetInventory is one bridge's lights, groups and scenes, as the state
// mirror last read them.
func (p *Page) SetInventory(inv inventory.Inventory) {
	p.mu.Lock()
	p.inventories[inv.Bridge] = inv
	p.setTopics = map[string]bool{}
	names := make([]string, 0, len(p.inventories))
	for name, inv := range p.inventories {
		names = append(names, name)
		for _, l := range inv.Lights {
			p.setTopics[l.SetTopic] = false
		}
		for _, g := range inv.Groups {
			p.setTopics[g.SetTopic] = true
		}
	}
	sort.Strings(names)
	bridges := make([]bridgeView, 0, len(names))
	for _, name := range names {
		bridges = append(bridges, viewOf(p.inventories[name]))
	}
	b, _ := json.Marshal(bridges)
	p.hub.set(topicInventory, b) // under p.mu: two bridges' polls must not swap their views
	p.mu.Unlock()
}

// Close closes every open page and waits for their connections to end.
func (p *Page) Close() {
	for _, c := range p.hub.close() {
		c.close()
	}
	p.open.Wait()
}

// bridgeView is what the page is told of one bridge: no key, no address.
type bridgeView struct {
	Bridge      string      `json:"bridge"`
	Name        string      `json:"name"`
	StatusTopic string      `json:"status_topic"`
	Lights      []lightView `json:"lights"`
	Groups      []groupView `json:"groups"`
}

type lightView struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	ColorModes []string `json:"color_modes"`
	MinMireds  uint16   `json:"min_mireds,omitempty"`
	MaxMireds  uint16   `json:"max_mireds,omitempty"`
	StateTopic string   `json:"state_topic"`
	SetTopic   string   `json:"set_topic"`
}

type groupView struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Type       string      `json:"type"`
	Lights     []string    `json:"lights"`
	ColorModes []string    `json:"color_modes"`
	StateTopic string      `json:"state_topic"`
	SetTopic   string      `json:"set_topic"`
	Scenes     []sceneView `json:"scenes"`
}

type sceneView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func viewOf(inv inventory.Inventory) bridgeView {
	v := bridgeView{Bridge: inv.Bridge, Name: inv.Config.Name, StatusTopic: inv.StatusTopic,
		Lights: []lightView{}, Groups: []groupView{}}
	for _, l := range inv.Lights {
		v.Lights = append(v.Lights, lightView{ID: l.ID, Name: l.Name, Type: l.Type, ColorModes: l.ColorModes,
			MinMireds: l.MinMireds, MaxMireds: l.MaxMireds, StateTopic: l.StateTopic, SetTopic: l.SetTopic})
	}
	for _, g := range inv.Groups {
		v.Groups = append(v.Groups, groupView{ID: g.ID, Name: g.Name, Type: g.Type, Lights: g.Lights,
			ColorModes: g.ColorModes, StateTopic: g.StateTopic, SetTopic: g.SetTopic, Scenes: groupScenes(inv.Scenes, g.ID)})
	}
	return v
}

// groupScenes are the scenes the Hue app shows for a group, by name.
func groupScenes(all []hue.Scene, group string) []sceneView {
	out := []sceneView{}
	for _, sc := range all {
		if sc.Group == group && !sc.Recycle {
			out = append(out, sceneView{ID: sc.ID, Name: sc.Name})
		}
	}
	slices.SortStableFunc(out, func(a, b sceneView) int { return strings.Compare(a.Name, b.Name) })
	return out
}
