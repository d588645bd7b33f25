package hue

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxBody bounds what huegate reads from the bridge. A full /api dump of a
// large installation is a few hundred KiB; anything past this is not a bridge.
const maxBody = 4 << 20

// Config says how to reach one bridge.
type Config struct {
	Host       string        // host, IP, host:port or a URL such as http://127.0.0.1:8080
	Username   string        // the API key
	Timeout    time.Duration // per request; default 3 s
	CertSHA256 string        // pinned certificate fingerprint for https bridges
	MaxConns   int           // concurrent connections; default 6 (workers, a poll, the event stream)
	Observer   Observer      // hears every request's outcome; nil for none
	API        string        // "v1", "v2" (https only) or "auto"/"": v2 when an https bridge has it
}

// Client sends requests to one bridge.
type Client struct {
	base string // scheme://host[:port]
	key  string
	http *http.Client
	tout time.Duration
	obs  Observer
	v2   *v2State
}

// New checks cfg and returns a client. It does not contact the bridge.
func New(cfg Config) (*Client, error) {
	base, err := BaseURL(cfg.Host)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	v2, err := newV2State(cfg.API, base)
	if err != nil {
		return nil, err
	}
	tr, err := transport(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	return &Client{
		obs:  cfg.Observer,
		v2:   v2,
		base: base,
		key:  cfg.Username,
		tout: cfg.Timeout,
		http: &http.Client{Transport: tr, CheckRedirect: refuseRedirect},
	}, nil
}

// BaseURL turns what a user types as bridge.host into scheme://host[:port].
func BaseURL(host string) (string, error) {
	host = strings.TrimSpace(host)
	if host == "" {
		return "", errors.New("bridge host is empty (set bridge.host, or run `huegate discover`)")
	}
	if !strings.Contains(host, "://") {
		host = "http://" + host
	}
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("bridge host %q is not a host, IP or URL", host)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("bridge host %q: scheme must be http or https", host)
	}
	return u.Scheme + "://" + u.Host, nil
}

// refuseRedirect stops Go from turning a redirected PUT into a GET: newer
// bridges redirect http to https.
func refuseRedirect(req *http.Request, _ []*http.Request) error {
	if req.URL.Scheme == "https" {
		return fmt.Errorf("%w to https: set bridge.host to https://<address> and pair again", ErrRedirect)
	}
	return ErrRedirect
}

// ErrRedirect is a bridge that answered with a redirect: a bridge that has
// moved to https, or another device at the address.
var ErrRedirect = errors.New("bridge answered with a redirect")

// Base is the bridge's address, without the key.
func (c *Client) Base() string { return c.base }

// SetLight sends a state command to light id.
func (c *Client) SetLight(ctx context.Context, id string, s State) error {
	if v2, err := c.useV2(ctx, OpSetLight); err != nil {
		return err
	} else if v2 {
		return c.setLightV2(ctx, id, s)
	}
	return c.put(ctx, OpSetLight, "/lights/"+id+"/state", s.AppendJSON(nil))
}

// SetGroup sends an action to group id (0 is every light).
func (c *Client) SetGroup(ctx context.Context, id string, s State) error {
	if v2, err := c.useV2(ctx, OpSetGroup); err != nil {
		return err
	} else if v2 {
		return c.setGroupV2(ctx, id, s)
	}
	return c.put(ctx, OpSetGroup, "/groups/"+id+"/action", s.AppendJSON(nil))
}

func (c *Client) put(ctx context.Context, op Op, path string, body []byte) (err error) {
	defer c.observe(op, time.Now(), &err)
	resp, err := c.do(ctx, http.MethodPut, path, body)
	if err != nil {
		return err
	}
	if err := parseResult(resp); err != nil {
		return c.wrap(http.MethodPut, path, err)
	}
	return nil
}

// observe reports a request to the observer once it has ended.
func (c *Client) observe(op Op, start time.Time, err *error) {
	c.obs.Request(op, time.Since(start), *err)
}

// get fetches path under /api/<key> and returns its body, after turning an
// error array into an error. op is what the observer hears of it; "" keeps
// the request from the observer (a one-off such as a dump).
func (c *Client) get(ctx context.Context, op Op, path string) (_ []byte, err error) {
	if op != "" {
		defer c.observe(op, time.Now(), &err)
	}
	body, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, c.wrap(http.MethodGet, path, fmt.Errorf("%w: empty body", ErrMalformed))
	}
	if err := errorArray(body); err != nil {
		return nil, c.wrap(http.MethodGet, path, err)
	}
	return body, nil
}

// do sends one request under /api/<key> with the client's deadline, checks
// the status before looking at the body, and bounds what it reads.
func (c *Client) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	return c.request(ctx, method, "/api/"+c.key+path, body)
}

func (c *Client) request(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.tout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, c.wrap(method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.wrap(method, path, certError(unwrapURL(err)))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil, c.wrap(method, path, &StatusError{Code: resp.StatusCode})
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, c.wrap(method, path, err)
	}
	if len(data) > maxBody {
		return nil, c.wrap(method, path, ErrTooLarge)
	}
	return data, nil
}

// certError says what to do about a certificate that failed verification.
func certError(err error) error {
	var ve *tls.CertificateVerificationError
	if errors.As(err, &ve) {
		return fmt.Errorf("%w (%v)", ErrCertUnverified, ve.Err)
	}
	return err
}

// unwrapURL drops *url.Error, whose text quotes the URL and with it the key.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// RequestError is a failed request. Its text names the path with the key
// replaced by <key>.
type RequestError struct {
	Method string
	Path   string
	Err    error
	key    string
}

func (e *RequestError) Error() string {
	return e.Method + " " + e.Path + ": " + redact(e.Err.Error(), e.key)
}

func (e *RequestError) Unwrap() error { return e.Err }

func (c *Client) wrap(method, path string, err error) error {
	return &RequestError{Method: method, Path: redact(path, c.key), Err: err, key: c.key}
}

// redact hides the key wherever it appears. Keys are long random strings, so a
// plain replace cannot hit anything else; a short key would be a test key.
func redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "<key>")
}

// CloseIdle closes idle connections to the bridge.
func (c *Client) CloseIdle() { c.http.CloseIdleConnections() }
