package hue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The APIs a Client can speak, as Config.API names them.
const (
	APIAuto = "auto" // v2 when the bridge has it and the address is https, else v1
	APIv1   = "v1"
	APIv2   = "v2"
)

// v2Path is where every CLIP v2 resource lives.
const v2Path = "/clip/v2/resource/"

// v2InFlight is how many v2 requests a client sends at once: bridges answer
// 429 to more than about 3 concurrent v2 requests, and a 429 pauses every
// command, so the client queues the fourth rather than provoke it.
const v2InFlight = 3

// v2State is what a Client knows about CLIP v2: which API it speaks, and
// the v2 ids behind the ids it hands out.
type v2State struct {
	choose chan struct{} // held while probing, so one probe runs at a time
	slots  chan struct{} // v2 requests in flight

	mu    sync.Mutex
	want  string                       // APIv2 when bridge.api says v2 and the scheme is not known yet
	api   string                       // APIv1 or APIv2 once chosen; "" until auto has probed
	ids   map[string]map[string]string // resource type -> our id -> v2 id
	uniq  map[string]string            // v1 light id -> v1 uniqueid
	tried map[string]bool              // v1 light ids a v1 read has been asked about
	// v1Groups are the groups v2 has no room or zone for, as v1 describes
	// them; triedGroups the ids a v1 read has been asked about.
	v1Groups    map[string]Group
	triedGroups map[string]bool
	recent      recentReads
	appID       string // this application's id, once asked
}

// newV2State reads bridge.api for a bridge reached by scheme: "http",
// "https", or "" while a host without a scheme has not been tried.
func newV2State(api, scheme string) (*v2State, error) {
	s := &v2State{
		choose: make(chan struct{}, 1),
		slots:  make(chan struct{}, v2InFlight),
		ids:    make(map[string]map[string]string),
		uniq:   make(map[string]string),
		tried:  make(map[string]bool),

		v1Groups:    make(map[string]Group),
		triedGroups: make(map[string]bool),
	}
	switch strings.ToLower(strings.TrimSpace(api)) {
	case "", APIAuto:
		if scheme == "http" {
			s.api = APIv1 // bridges serve CLIP v2 on https only
		}
	case APIv1:
		s.api = APIv1
	case APIv2:
		if scheme == "http" {
			return nil, errV2NeedsHTTPS
		}
		if scheme == "https" {
			s.api = APIv2
		}
		s.want = APIv2
	default:
		return nil, fmt.Errorf("bridge.api %q: must be auto, v1 or v2", api)
	}
	return s, nil
}

var errV2NeedsHTTPS = errors.New("bridge.api v2 needs https: bridges serve CLIP v2 on https only; " +
	"this bridge has none: set bridge.api to auto or v1")

func (s *v2State) chosen() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.api
}

// API says which API the client speaks: "v1" or "v2". With bridge.api auto
// on an https address, the first call asks the bridge (one GET) and the
// answer is kept for the life of the client.
func (c *Client) API(ctx context.Context) (string, error) {
	if api := c.v2.chosen(); api != "" {
		return api, nil
	}
	select {
	case c.v2.choose <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.v2.choose }()
	if api := c.v2.chosen(); api != "" {
		return api, nil // another caller probed while this one waited
	}
	api, err := c.choose(ctx)
	if err != nil {
		return "", err
	}
	c.v2.mu.Lock()
	c.v2.api = api
	c.v2.mu.Unlock()
	return api, nil
}

// choose finds out the scheme of a host given without one, then the API:
// plain http is v1 (v2 is on https only), bridge.api v2 is v2, and auto asks
// the bridge.
func (c *Client) choose(ctx context.Context) (string, error) {
	base, err := c.at.base(ctx)
	if err != nil {
		return "", c.wrap(http.MethodGet, v2Path+"bridge", err)
	}
	c.v2.mu.Lock()
	want := c.v2.want
	c.v2.mu.Unlock()
	switch {
	case !strings.HasPrefix(base, "https://") && want == APIv2:
		return "", errV2NeedsHTTPS
	case !strings.HasPrefix(base, "https://"):
		return APIv1, nil
	case want == APIv2:
		return APIv2, nil
	}
	return c.probe(ctx)
}

// useV2 reports whether a call goes over v2. A failed probe is reported to
// the observer as op, the call it held up.
func (c *Client) useV2(ctx context.Context, op Op) (bool, error) {
	if api := c.v2.chosen(); api != "" {
		return api == APIv2, nil
	}
	start := time.Now()
	api, err := c.API(ctx)
	if err != nil {
		c.observe(op, start, &err)
		return false, err
	}
	return api == APIv2, nil
}

// probe asks the bridge for its v2 bridge resource. 200 with a v2 answer is
// v2; the key refused, a busy bridge (429, 5xx) or no answer decide nothing
// and come back as errors, so the next call asks again (choosing v1 because
// the bridge was busy once would hold for the life of the process); any
// other answer (404 on bridges without v2) is v1.
func (c *Client) probe(ctx context.Context) (string, error) {
	const path = v2Path + "bridge"
	code, body, err := c.v2send(ctx, http.MethodGet, path, nil)
	switch {
	case err != nil:
		return "", err
	case code == http.StatusOK:
		if _, err := decodeV2[v2Bridge](body); err == nil {
			return APIv2, nil
		}
		return APIv1, nil
	case code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusTooManyRequests || code >= 500:
		return "", c.wrap(http.MethodGet, path, v2StatusError(code, body))
	}
	return APIv1, nil
}

// v2do sends one v2 request and turns any answer but 200 into an error.
func (c *Client) v2do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	code, data, err := c.v2send(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	if err := v2StatusError(code, data); err != nil {
		return nil, c.wrap(method, path, err)
	}
	return data, nil
}

// v2send sends one v2 request with the key in its header (never in the
// URL) and the client's deadline, and reads at most maxBody of the answer.
// 429 and 5xx bodies are not read: they can be HTML, and say nothing more
// than the status.
func (c *Client) v2send(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	code, data, _, err := c.v2round(ctx, method, path, body)
	return code, data, err
}

// v2round is v2send that also returns the answer's header.
func (c *Client) v2round(ctx context.Context, method, path string, body []byte) (int, []byte, http.Header, error) {
	select {
	case c.v2.slots <- struct{}{}:
	case <-ctx.Done():
		return 0, nil, nil, c.wrap(method, path, ctx.Err())
	}
	defer func() { <-c.v2.slots }()
	if err := c.identify(ctx); err != nil {
		return 0, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.tout)
	defer cancel()
	base, err := c.at.base(ctx)
	if err != nil {
		return 0, nil, nil, c.wrap(method, path, err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, nil, nil, c.wrap(method, path, err)
	}
	req.Header.Set("hue-application-key", c.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, c.wrap(method, path, certError(unwrapURL(err)))
	}
	defer resp.Body.Close()
	if busy(resp.StatusCode) {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return resp.StatusCode, nil, resp.Header, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, c.wrap(method, path, err)
	}
	if len(data) > maxBody {
		return 0, nil, nil, c.wrap(method, path, ErrTooLarge)
	}
	return resp.StatusCode, data, resp.Header, nil
}

func busy(code int) bool { return code == http.StatusTooManyRequests || code >= 500 }

// V2Error is a CLIP v2 answer that refused all or part of a request: 207
// (part applied), 400, 401/403, 404 or another 4xx, with the bridge's
// descriptions. It unwraps to the v1 error that means the same, so callers
// classify both APIs alike: 207 and 400 to an *APIError of type 7 (invalid
// value: the bridge refused the command, not an outage), 404 to type 3 (not
// available), 401/403 to type 1 (unauthorized), 405 to type 4, any other
// code to a *StatusError.
type V2Error struct {
	Status       int
	Descriptions []string
}

func (e *V2Error) Error() string {
	msg := "bridge answered HTTP " + strconv.Itoa(e.Status)
	if len(e.Descriptions) > 0 {
		msg += ": " + strings.Join(e.Descriptions, "; ")
	}
	if e.v1Type() == ErrTypeUnauthorized {
		msg += pairHint
	}
	return msg
}

func (e *V2Error) Unwrap() error {
	if t := e.v1Type(); t != 0 {
		return &APIError{Type: t, Description: strings.Join(e.Descriptions, "; ")}
	}
	return &StatusError{Code: e.Status}
}

func (e *V2Error) v1Type() int {
	switch e.Status {
	case http.StatusMultiStatus, http.StatusBadRequest:
		return ErrTypeInvalidValue
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrTypeUnauthorized
	case http.StatusNotFound:
		return ErrTypeNotAvailable
	case http.StatusMethodNotAllowed:
		return errTypeMethod
	}
	return 0
}

// errTypeMethod is v1's "method not available".
const errTypeMethod = 4

// v2StatusError is the error for an HTTP status, nil for 200. 429 and 5xx
// are the *StatusError v1 gives for them, so the same retry and pause rules
// apply.
func v2StatusError(code int, body []byte) error {
	switch {
	case code == http.StatusOK:
		return nil
	case busy(code):
		return &StatusError{Code: code}
	case code == http.StatusMultiStatus || code >= 400 && code < 500:
		return &V2Error{Status: code, Descriptions: descriptions(body)}
	}
	return &StatusError{Code: code}
}

// Bounds on the descriptions an error quotes: the body can be 4 MiB.
const (
	maxDescriptions = 3
	maxDescription  = 200
)

// descriptions reads errors[].description from a v2 answer, bounded; a body
// that is not one gives none.
func descriptions(body []byte) []string {
	var env struct {
		Errors []struct {
			Description any `json:"description"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil
	}
	var out []string
	for i, e := range env.Errors {
		if i == maxDescriptions {
			out = append(out, fmt.Sprintf("(%d more)", len(env.Errors)-i))
			break
		}
		if d, _ := e.Description.(string); d != "" {
			out = append(out, shorten(d, maxDescription))
		}
	}
	return out
}

// shorten cuts s to at most n bytes of valid UTF-8.
func shorten(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// ErrNoV2 is a bridge that answered 404 for a whole v2 resource type: it
// has no CLIP v2 API (firmware before 1.948, or not a Hue bridge).
var ErrNoV2 = errors.New("bridge has no CLIP v2 API: set bridge.api to v1 (or auto)")

// decodeV2 reads the data of a v2 answer: {"errors":[...],"data":[...]}.
func decodeV2[T any](body []byte) ([]T, error) {
	var env struct {
		Data *[]T `json:"data"`
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrMalformed)
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, describe(err))
	}
	if env.Data == nil {
		return nil, fmt.Errorf("%w: no data", ErrMalformed)
	}
	return *env.Data, nil
}

// getV2 reads every resource of a type, or one ("device/<id>"). A 404 for
// a whole type means the bridge has no v2 at all, which is worth saying.
func getV2[T any](ctx context.Context, c *Client, rtype string) ([]T, error) {
	path := v2Path + rtype
	body, err := c.v2do(ctx, http.MethodGet, path, nil)
	var ve *V2Error
	if errors.As(err, &ve) && ve.Status == http.StatusNotFound && !strings.Contains(rtype, "/") {
		return nil, c.wrap(http.MethodGet, path, fmt.Errorf("%w (%w)", ErrNoV2, &StatusError{Code: http.StatusNotFound}))
	}
	if err != nil {
		return nil, err
	}
	items, err := decodeV2[T](body)
	if err != nil {
		return nil, c.wrap(http.MethodGet, path, err)
	}
	return items, nil
}
