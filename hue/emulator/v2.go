package emulator

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// CLIP v2 lives beside v1 on the same bridge, served over https only (see
// ServeHTTP and Mode): resources under V2ResourcePath, and AuthPath, which
// names the application a key belongs to. Requests go in the same log as
// v1's; PUTs to a light, grouped_light or scene count as commands.
const (
	V2ResourcePath = "/clip/v2/resource"
	AuthPath       = "/auth/v1"
)

// maxV2InFlight is how many v2 requests a bridge works on at once; it
// answers 429 to more.
const maxV2InFlight = 3

// V2Fault is a way for the bridge's CLIP v2 side to misbehave; v1's
// Fault and SetCommandFault leave v2 alone, and this leaves v1 alone.
type V2Fault int

const (
	V2FaultNone    V2Fault = iota
	V2FaultHTTP503         // every v2 request (with a valid key): 503 with an HTML page, an overloaded bridge
	V2FaultPartial         // PUTs to a light or grouped_light: "on" is applied, every other field refused: 207
)

var v2FaultNames = [...]string{"none", "http503", "partial"}

func (f V2Fault) String() string {
	if f >= 0 && int(f) < len(v2FaultNames) {
		return v2FaultNames[f]
	}
	return "V2Fault(" + strconv.Itoa(int(f)) + ")"
}

// SetV2Fault makes the v2 side misbehave from now on; V2FaultNone heals it.
func (b *Bridge) SetV2Fault(f V2Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.v2Fault = f
}

func (b *Bridge) v2FaultNow() V2Fault {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.v2Fault
}

// v2Target is a v2 request path split: /auth/v1, or
// /clip/v2/resource[/<type>[/<id>]].
type v2Target struct {
	auth      bool
	rtype, id string
	bad       bool // under /clip/v2 but not a resource path the bridge knows
}

func isV2Path(path string) bool {
	return path == AuthPath || path == "/clip/v2" || strings.HasPrefix(path, "/clip/v2/")
}

func parseV2(path string) v2Target {
	if path == AuthPath {
		return v2Target{auth: true}
	}
	rest, ok := strings.CutPrefix(strings.TrimSuffix(path, "/"), V2ResourcePath)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		return v2Target{bad: true}
	}
	segs := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	switch {
	case rest == "":
		return v2Target{}
	case len(segs) == 1:
		return v2Target{rtype: segs[0]}
	case len(segs) == 2:
		return v2Target{rtype: segs[0], id: segs[1]}
	}
	return v2Target{bad: true}
}

// isCommand: v2 commands are what v1's light and group commands are, plus
// scene recalls (a group command with a scene in v1).
func (t v2Target) isCommand(method string) bool {
	return method == http.MethodPut && t.id != "" &&
		(t.rtype == "light" || t.rtype == "grouped_light" || t.rtype == "scene")
}

// serveV2 answers one v2 request like a bridge: log it, refuse it if three
// are already in flight, wait out the latency, check the key, play the v2
// fault, enforce the command ceiling, then route it.
func (b *Bridge) serveV2(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	t := parseV2(r.URL.Path)
	e := b.record(r, body, t.isCommand(r.Method))
	sw := &statusWriter{ResponseWriter: w}
	defer func() { b.finish(e, sw.status) }()

	if !t.auth {
		if !b.enterV2() {
			writeHTML(sw, http.StatusTooManyRequests, tooManyRequestsHTML)
			return
		}
		defer b.v2InFlight.Add(-1)
	}
	if !b.delay(r) {
		noAnswer()
	}
	if r.Header.Get("hue-application-key") != b.key {
		v2Errors(sw, http.StatusForbidden, "unauthorized user")
		return
	}
	if t.auth {
		b.serveAuth(sw, r)
		return
	}
	if b.v2FaultNow() == V2FaultHTTP503 {
		writeHTML(sw, http.StatusServiceUnavailable, serviceUnavailableHTML)
		return
	}
	if e.command && !b.admit() {
		writeHTML(sw, http.StatusTooManyRequests, tooManyRequestsHTML)
		return
	}
	b.routeV2(sw, r, t, body)
}

// enterV2 counts a request in flight, unless there are too many already.
func (b *Bridge) enterV2() bool {
	if b.v2InFlight.Add(1) > maxV2InFlight {
		b.v2InFlight.Add(-1)
		return false
	}
	return true
}

func (b *Bridge) routeV2(w http.ResponseWriter, r *http.Request, t v2Target, body []byte) {
	switch {
	case t.bad:
		v2Errors(w, http.StatusNotFound, "Not Found")
	case r.Method == http.MethodGet:
		b.getV2(w, t)
	case r.Method == http.MethodPut && t.id != "":
		b.putV2(w, t, body)
	default:
		v2Errors(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

func (b *Bridge) getV2(w http.ResponseWriter, t v2Target) {
	b.mu.Lock()
	data, ok := b.v2GetLocked(t)
	var body []byte
	if ok {
		body = encode(map[string]any{"errors": []any{}, "data": data})
	}
	b.mu.Unlock()
	if !ok {
		v2Errors(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (b *Bridge) v2GetLocked(t v2Target) ([]any, bool) {
	switch {
	case t.rtype == "":
		var all []any
		for _, rtype := range v2Types {
			list, _ := b.v2ListLocked(rtype)
			all = append(all, list...)
		}
		return all, true
	case t.id == "":
		return b.v2ListLocked(t.rtype)
	default:
		item, ok := b.v2ItemLocked(t.rtype, t.id)
		return []any{item}, ok
	}
}

// serveAuth answers GET /auth/v1 (the key was checked): the application
// id of the key, the identity the Entertainment stream's PSK goes with.
func (b *Bridge) serveAuth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		v2Errors(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	w.Header().Set("hue-application-id", ApplicationID(b.key))
	w.WriteHeader(http.StatusOK)
}

// ApplicationID is the hue-application-id GET /auth/v1 answers for an
// application key; it stays the same for a key.
func ApplicationID(key string) string { return v2ID("application", key) }

// v2Errors writes a v2 answer that failed for the given reasons.
func v2Errors(w http.ResponseWriter, status int, descriptions ...string) {
	writeJSON(w, status, encode(v2Answer(nil, descriptions)))
}

// v2Answer is the {"errors":[...],"data":[...]} every v2 answer is.
func v2Answer(data []any, descriptions []string) map[string]any {
	errs := make([]any, 0, len(descriptions))
	for _, d := range descriptions {
		errs = append(errs, map[string]any{"description": d})
	}
	if data == nil {
		data = []any{}
	}
	return map[string]any{"errors": errs, "data": data}
}
