package hue

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/huegate/huegate/hue/entertainment"
)

// maxBody bounds what huegate reads from the bridge. A full /api dump of a
// large installation is a few hundred KiB; anything past this is not a bridge.
const maxBody = 4 << 20

// Config says how to reach one bridge.
type Config struct {
	Host       string        // host, IP, host:port (https first) or a URL such as http://127.0.0.1:8080
	Username   string        // the API key
	Timeout    time.Duration // per request; default 3 s
	CertSHA256 string        // pinned certificate fingerprint for self-signed https bridges
	CAFile     string        // PEM roots trusted besides the Hue roots; "" for none
	ClientKey  string        // the Entertainment stream's key (bridge.clientkey); "" if none
	StreamPort int           // UDP port of the Entertainment stream; default 2100
	API        string        // "auto" (or ""), "v1" or "v2"
	MaxConns   int           // concurrent connections; default 6 (workers, a poll, the event stream)
	Observer   Observer      // hears every request's outcome; nil for none
	// PlainHTTP hears, once, that a host given without a scheme has no
	// https and is reached over plain http; nil for no one.
	PlainHTTP func(base string)
}

// Client sends requests to one bridge.
type Client struct {
	at    *endpoint // where the bridge is, http or https
	trust *trust
	idMu  sync.Mutex // one identity check at a time
	key   string
	http  *http.Client
	// once carries PublicConfig, which asks the bridge who it is before
	// its certificate's name can be checked: on a connection of its own,
	// never kept, so none opened before identification carries the key.
	once *http.Client
	tout time.Duration
	obs  Observer
	v2   *v2State

	clientKey  string
	streamPort int
}

// New checks cfg and returns a client. It does not contact the bridge.
func New(cfg Config) (*Client, error) {
	scheme, hostport, err := parseHost(cfg.Host)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if scheme == "" && cfg.CertSHA256 != "" {
		// A pin was recorded from the bridge's https: never fall back to
		// http, where the pin checks nothing and the key goes in clear.
		scheme = "https"
	}
	v2, err := newV2State(cfg.API, scheme)
	if err != nil {
		return nil, err
	}
	t, err := newTrust(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.StreamPort <= 0 {
		cfg.StreamPort = entertainment.Port
	}
	return &Client{
		at:    newEndpoint(scheme, hostport, cfg.Timeout, cfg.PlainHTTP),
		trust: t,
		v2:    v2,
		obs:   cfg.Observer,
		key:   cfg.Username,

		clientKey:  cfg.ClientKey,
		streamPort: cfg.StreamPort,
		tout:       cfg.Timeout,
		http:       &http.Client{Transport: transport(cfg, t), CheckRedirect: refuseRedirect},
		once:       &http.Client{Transport: onceTransport(cfg, t), CheckRedirect: refuseRedirect},
	}, nil
}

// BaseURL turns what a user types as bridge.host into scheme://host[:port];
// a host without a scheme is tried over https first, so it reads as https.
func BaseURL(host string) (string, error) {
	scheme, hostport, err := parseHost(host)
	if scheme == "" {
		scheme = "https"
	}
	return scheme + "://" + hostport, err
}

// parseHost splits what a user types as bridge.host into its scheme ("" if
// none was typed) and host[:port].
func parseHost(host string) (scheme, hostport string, err error) {
	host = strings.TrimSpace(host)
	if host == "" {
		return "", "", errors.New("bridge host is empty (set bridge.host, or run `huegate discover`)")
	}
	typed := strings.Contains(host, "://")
	if !typed {
		host = "https://" + host
	}
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("bridge host %q is not a host, IP or URL", host)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", fmt.Errorf("bridge host %q: scheme must be http or https", host)
	}
	if !typed {
		return "", u.Host, nil
	}
	return u.Scheme, u.Host, nil
}

// refuseRedirect stops Go from turning a redirected PUT into a GET: newer
// bridges redirect http to https.
func refuseRedirect(req *http.Request, _ []*http.Request) error {
	if req.URL.Scheme == "https" {
		return fmt.Errorf("%w to https: write bridge.host without http:// (huegate then uses https) and pair again", ErrRedirect)
	}
	return ErrRedirect
}

// ErrRedirect is a bridge that answered with a redirect: a bridge that has
// moved to https, or another device at the address.
var ErrRedirect = errors.New("bridge answered with a redirect")

// Base is the bridge's address, without the key: scheme://host[:port] once
// known, or https://host[:port] for a host without a scheme not yet tried.
func (c *Client) Base() string { return c.at.current() }

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

// request sends a request that carries the key or asks for one: the bridge
// must first have proven who it is.
func (c *Client) request(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	if err := c.identify(ctx); err != nil {
		return nil, err
	}
	data, _, err := c.send(ctx, c.http, method, path, body, nil)
	return data, err
}

// send sends one request with the client's deadline, checks the status
// before looking at the body, and bounds what it reads. It also returns the
// TLS state of the connection (nil over http).
func (c *Client) send(ctx context.Context, hc *http.Client, method, path string, body []byte, header http.Header) ([]byte, *tls.ConnectionState, error) {
	ctx, cancel := context.WithTimeout(ctx, c.tout)
	defer cancel()
	base, err := c.at.base(ctx)
	if err != nil {
		return nil, nil, c.wrap(method, path, err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return nil, nil, c.wrap(method, path, err)
	}
	maps.Copy(req.Header, header)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, c.wrap(method, path, certError(unwrapURL(err)))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil, resp.TLS, c.wrap(method, path, &StatusError{Code: resp.StatusCode})
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, resp.TLS, c.wrap(method, path, err)
	}
	if len(data) > maxBody {
		return nil, resp.TLS, c.wrap(method, path, ErrTooLarge)
	}
	return data, resp.TLS, nil
}

// certError gives a refused certificate the message that says what to do.
func certError(err error) error {
	var ce *CertError
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, ErrCertChanged) {
		return ErrCertChanged
	}
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
func (c *Client) CloseIdle() {
	c.http.CloseIdleConnections()
	c.once.CloseIdleConnections()
}
