package emulator

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultKey is the application key (the v1 "username") a Bridge accepts
// unless WithKey says otherwise.
const DefaultKey = "huegate-test-key-0123456789abcdef"

// maxBody caps what the emulator reads of a request body; real bridges
// refuse bodies far smaller than this.
const maxBody = 1 << 20

// Bridge is an emulated Hue bridge: an http.Handler holding state loaded
// from a full-state dump. All methods are safe for concurrent use.
type Bridge struct {
	key string
	now func() time.Time // replaced by tests that move time without sleeping

	mu sync.Mutex // guards everything below

	// State, as loaded from the dump and changed by commands.
	lights      map[string]map[string]any
	groups      map[string]map[string]any
	scenes      map[string]map[string]any
	config      map[string]any
	others      map[string]map[string]any // schedules, rules, sensors, resourcelinks
	nulls       map[string]bool           // collections the dump gave as null
	group0      map[string]any            // action of the synthesised group 0
	percent     map[string]float64        // per light, the brightness a v2 command set; see percentLocked
	clientKey   string                    // the last clientkey pairing handed out
	clientKeys  map[string]string         // per application key, its clientkey (the stream's PSK)
	presetCK    string                    // WithClientKey's, given to the key once options are read
	stateCh     chan struct{}             // closed and replaced on every state change
	hooks       []hook
	nextHookID  int
	linkUntil   time.Time   // link button counts as pressed until then
	recentCmds  []time.Time // when the commands in the ceiling's window were accepted
	latency     time.Duration
	stream      bool          // offer the CLIP v2 event stream
	streamStop  chan struct{} // closed to end open streams
	streamsOpen atomic.Int32
	v2InFlight  atomic.Int32 // v2 requests being worked on; see maxV2InFlight
	v2Fault     V2Fault
	rate        int
	fault       Fault
	cmdFault    Fault         // for commands only; see SetCommandFault
	faultErr    *errorBody    // what FaultError answers; see SetFaultError
	faultCh     chan struct{} // closed and replaced when the fault changes
	log         []*entry
	ent         entState      // the Entertainment areas' streams; see entertainment.go
	noHandshake atomic.Bool   // SetStreamNoHandshake; read per datagram, so not under mu
	logCh       chan struct{} // closed and replaced when a request is logged or answered
}

// Option configures a Bridge in New or Load.
type Option func(*Bridge)

// WithKey sets the application key the bridge accepts.
func WithKey(key string) Option { return func(b *Bridge) { b.key = key } }

// WithClientKey gives the bridge's application key (WithKey's, or
// DefaultKey) the clientkey clientKey (32 hex characters), as if it had
// been paired with generateclientkey: the Entertainment stream then
// accepts that key's application id with this pre-shared key. ClientKey
// returns it too.
func WithClientKey(clientKey string) Option { return func(b *Bridge) { b.presetCK = clientKey } }

// WithLatency delays every answer by d (see SetLatency).
func WithLatency(d time.Duration) Option { return func(b *Bridge) { b.latency = d } }

// WithRate sets the command ceiling (see SetRate).
func WithRate(n int) Option { return func(b *Bridge) { b.rate = n } }

// WithFault starts the bridge with a fault (see SetFault).
func WithFault(f Fault) Option { return func(b *Bridge) { b.fault = f } }

// New builds a bridge from a full-state dump, the body of GET /api/<key>.
// Collections may be missing or null (a shape clients must survive); they
// load as empty, and null ones are served as null until something is added.
func New(dump []byte, opts ...Option) (*Bridge, error) {
	b := &Bridge{
		key:        DefaultKey,
		now:        time.Now,
		percent:    map[string]float64{},
		clientKeys: map[string]string{},
		stateCh:    make(chan struct{}),
		faultCh:    make(chan struct{}),
		logCh:      make(chan struct{}),
	}
	if err := b.load(dump); err != nil {
		return nil, fmt.Errorf("emulator: load dump: %w", err)
	}
	for _, opt := range opts {
		opt(b)
	}
	if b.presetCK != "" { // after the options, whichever came first: WithKey or WithClientKey
		b.clientKeys[b.key], b.clientKey = b.presetCK, b.presetCK
	}
	b.addToWhitelist(b.key)
	return b, nil
}

// Load reads a dump from a file and builds a bridge from it.
func Load(path string, opts ...Option) (*Bridge, error) {
	dump, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	b, err := New(dump, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return b, nil
}

// Key is the application key the bridge accepts.
func (b *Bridge) Key() string { return b.key }

// SetLatency delays every answer by d. A client that gives up while
// waiting gets no answer, and its command is not applied.
func (b *Bridge) SetLatency(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.latency = d
}

// ServeHTTP answers one request like a v1 bridge: log it, wait out the
// latency, play the fault if one is set, enforce the command ceiling, then
// route it. A request that must go unanswered (its client left during a
// latency or a hang, or FaultReset without a hijackable connection) ends
// with panic(http.ErrAbortHandler), which net/http servers treat as "drop
// the connection".
//
// As on real bridges, CLIP v2 (resources and /auth/v1) is served over
// https only: a plain http request for it is logged and answered 404.
func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.serve(w, r, reach{v2: r.TLS != nil, stream: true})
}

// reach is what a connection may ask of the bridge.
type reach struct {
	v2     bool // CLIP v2 resources and /auth/v1
	stream bool // the event stream, if the bridge offers it
}

func (b *Bridge) serve(w http.ResponseWriter, r *http.Request, can reach) {
	if r.URL.Path == EventStreamPath && can.stream {
		b.serveEvents(w, r)
		return
	}
	if can.v2 && isV2Path(r.URL.Path) {
		b.serveV2(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	t := parseTarget(r.URL.Path)
	e := b.record(r, body, isCommand(r.Method, t))
	sw := &statusWriter{ResponseWriter: w}
	defer func() { b.finish(e, sw.status) }()

	if !b.delay(r) {
		noAnswer()
	}
	if t.api && t.key == b.key && b.serveFault(sw, r, t, body) {
		return
	}
	if e.command && t.key == b.key && b.serveCommandFault(sw, t, body) {
		return
	}
	if e.command && !b.admit() {
		writeHTML(sw, http.StatusTooManyRequests, tooManyRequestsHTML)
		return
	}
	b.route(sw, r, t, body)
}

// noAnswer ends a request whose client gave up (or whose server is
// stopping) without a response; returning normally would make net/http
// send an empty 200 if the connection were still open.
func noAnswer() { panic(http.ErrAbortHandler) }

func (b *Bridge) delay(r *http.Request) bool {
	b.mu.Lock()
	d := b.latency
	b.mu.Unlock()
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// target is a request path split the way the bridge reads it:
// /api/<key>/<parts...>.
type target struct {
	api   bool     // the path is /api or below it
	key   string   // "" for /api itself
	parts []string // resource path after the key
}

func parseTarget(path string) target {
	path = strings.TrimSuffix(path, "/")
	if path != "/api" && !strings.HasPrefix(path, "/api/") {
		return target{}
	}
	segs := strings.Split(strings.TrimPrefix(path, "/api"), "/")
	t := target{api: true}
	if len(segs) > 1 {
		t.key, t.parts = segs[1], segs[2:]
	}
	return t
}

// address is the resource path as the bridge quotes it in errors.
func (t target) address() string { return "/" + strings.Join(t.parts, "/") }

// isPublicConfig: /api/config and /api/<anything>/config answer without a
// valid key, so apps can identify a bridge before pairing.
func (t target) isPublicConfig() bool {
	return (t.key == "config" && len(t.parts) == 0) ||
		(len(t.parts) == 1 && t.parts[0] == "config")
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach Hijack and Flush.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
