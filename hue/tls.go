package hue

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// transport gives each bridge client its own connection pool, never
// http.DefaultTransport: bridges handle few concurrent connections, and a
// pinned certificate must not leak into other clients.
func transport(cfg Config, t *trust) *http.Transport {
	conns := cfg.MaxConns
	if conns <= 0 {
		conns = 6
	}
	tr := &http.Transport{
		Proxy:               nil, // the bridge is on the LAN
		DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: cfg.Timeout,
		TLSClientConfig:     t.tlsConfig(),
	}
	return tr
}

// onceTransport is transport without keep-alives: a connection used once
// and closed.
func onceTransport(cfg Config, t *trust) *http.Transport {
	tr := transport(cfg, t)
	tr.DisableKeepAlives = true
	return tr
}

// newTrust is how cfg says to check the bridge's certificate: the pin if
// there is one, else the Hue roots (and bridge.ca_file).
func newTrust(cfg Config) (*trust, error) {
	if cfg.CertSHA256 != "" {
		pin, err := parseFingerprint(cfg.CertSHA256)
		if err != nil {
			return nil, err
		}
		return &trust{pin: pin}, nil
	}
	pool, err := roots(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	return &trust{roots: pool}, nil
}

// ErrCertChanged is returned when an https bridge shows a certificate other
// than the one recorded at pairing.
var ErrCertChanged = errors.New("bridge certificate does not match bridge.cert_sha256 recorded at pairing; " +
	"if the bridge was replaced or reset, pair again with `huegate pair --host <bridge> --trust-new-cert`")

// Fingerprint is the SHA-256 of a certificate, as stored in bridge.cert_sha256.
func Fingerprint(der []byte) string {
	return hex.EncodeToString(fingerprint(der))
}

func fingerprint(der []byte) []byte {
	sum := sha256.Sum256(der)
	return sum[:]
}

func parseFingerprint(s string) ([]byte, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("bridge.cert_sha256 %q is not a SHA-256 fingerprint (64 hex digits)", s)
	}
	return b, nil
}

func equalBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := range a {
		d |= a[i] ^ b[i]
	}
	return d == 0
}
