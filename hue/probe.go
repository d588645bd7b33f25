package hue

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/amimof/huego"
)

// BridgeInfo is what a bridge tells anyone, before pairing (GET /api/config).
type BridgeInfo struct {
	Name       string `json:"name"`
	BridgeID   string `json:"bridge_id"`
	ModelID    string `json:"model"`
	APIVersion string `json:"api_version"`
	SwVersion  string `json:"sw_version"`
	MAC        string `json:"mac"`
}

// PublicConfig reads the bridge's public configuration. It needs no key and
// works before pairing; a device that answers it is a Hue bridge.
func (c *Client) PublicConfig(ctx context.Context) (BridgeInfo, error) {
	const path = "/api/config"
	body, state, err := c.send(ctx, c.once, http.MethodGet, path, nil, nil)
	if err != nil {
		return BridgeInfo{}, err
	}
	if err := errorArray(body); err != nil {
		return BridgeInfo{}, c.wrap(http.MethodGet, path, err)
	}
	var cfg huego.Config
	if err := json.Unmarshal(body, &cfg); err != nil {
		return BridgeInfo{}, c.wrap(http.MethodGet, path, fmt.Errorf("%w: %s", ErrMalformed, describe(err)))
	}
	if cfg.BridgeID == "" && cfg.APIVersion == "" {
		return BridgeInfo{}, c.wrap(http.MethodGet, path, fmt.Errorf("%w: no bridgeid or apiversion: not a Hue bridge?", ErrMalformed))
	}
	if err := c.trust.checkIdentity(state, cfg.BridgeID); err != nil {
		return BridgeInfo{}, c.wrap(http.MethodGet, path, err)
	}
	return BridgeInfo{
		Name: cfg.Name, BridgeID: cfg.BridgeID, ModelID: cfg.ModelID,
		APIVersion: cfg.APIVersion, SwVersion: cfg.SwVersion, MAC: cfg.Mac,
	}, nil
}

// identify makes an https bridge prove who it is before anything secret
// goes to it: its certificate chains to a Hue root (checked on every
// connection) and names the bridge id that its /api/config gives. A pinned
// certificate needs no more; plain http has nothing to check.
func (c *Client) identify(ctx context.Context) error {
	if c.trust.pin != nil || c.trust.identity() != "" {
		return nil
	}
	c.idMu.Lock()
	defer c.idMu.Unlock()
	if c.trust.identity() != "" {
		return nil
	}
	base, err := c.at.base(ctx)
	if err != nil {
		return c.wrap(http.MethodGet, "/api/config", err)
	}
	if !strings.HasPrefix(base, "https://") {
		return nil
	}
	_, err = c.PublicConfig(ctx)
	return err
}

// PeerFingerprint connects to an https bridge and returns the SHA-256
// fingerprint of the certificate it shows, for bridge.cert_sha256 (trust on
// first use). For an http host it returns "". Nothing is sent over this
// connection: it only reads the certificate, which is then pinned for the
// connections that carry the key.
func PeerFingerprint(ctx context.Context, host string, timeout time.Duration) (string, error) {
	base, err := BaseURL(host)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" {
		return "", err
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // the certificate is read to be pinned; no secret goes over this connection
	}}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return "", fmt.Errorf("read the certificate of %s: %w", base, err)
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", fmt.Errorf("read the certificate of %s: %w", base, errors.New("no certificate shown"))
	}
	return Fingerprint(certs[0].Raw), nil
}

// ValidFingerprint reports whether s can be a bridge.cert_sha256: 64 hex
// digits, in any case, with or without colons.
func ValidFingerprint(s string) bool {
	_, err := parseFingerprint(s)
	return err == nil
}

// SameFingerprint reports whether two fingerprints name the same
// certificate, however they are written (case, colons).
func SameFingerprint(a, b string) bool {
	x, errx := parseFingerprint(a)
	y, erry := parseFingerprint(b)
	return errx == nil && erry == nil && equalBytes(x, y)
}
