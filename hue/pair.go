package hue

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// CreateUser asks the bridge for a new API key (POST /api), which it hands
// out only within 30 s of someone pressing its link button. Until then the
// error is an *APIError of type ErrTypeLinkButton (101): call again about
// once a second. It asks for a client key too (the Entertainment API's
// pre-shared key); bridges too old to have one leave it empty. The keys are
// returned, never put in an error.
func (c *Client) CreateUser(ctx context.Context, deviceType string) (Credentials, error) {
	body, err := json.Marshal(map[string]any{"devicetype": deviceType, "generateclientkey": true})
	if err != nil {
		return Credentials{}, err
	}
	resp, err := c.request(ctx, http.MethodPost, "/api", body)
	if err != nil {
		return Credentials{}, err
	}
	items, err := parseItems(resp)
	if err != nil {
		return Credentials{}, c.wrap(http.MethodPost, "/api", err)
	}
	for _, it := range items {
		if it.Error != nil {
			return Credentials{}, c.wrap(http.MethodPost, "/api", it.Error.apiError())
		}
	}
	for _, it := range items {
		var s struct {
			Username  string `json:"username"`
			ClientKey string `json:"clientkey"`
		}
		if json.Unmarshal(it.Success, &s) == nil && s.Username != "" {
			return Credentials{Username: s.Username, ClientKey: validClientKey(s.ClientKey)}, nil
		}
	}
	return Credentials{}, c.wrap(http.MethodPost, "/api", fmt.Errorf("%w: no username in the answer", ErrMalformed))
}

// Credentials are what pairing hands out: both are secrets.
type Credentials struct {
	Username  string // the API key, bridge.username
	ClientKey string // 32 hex digits, bridge.clientkey; "" from bridges without one
}

// validClientKey keeps a client key only if it is one (32 hex digits), so
// nothing else the bridge sends ends up in the config file.
func validClientKey(s string) string {
	if len(s) != 32 {
		return ""
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return ""
		}
	}
	return s
}

// DeviceType is the devicetype huegate registers as: "huegate#<host>". The
// bridge allows 40 characters: 20 for the app and 19 for the device.
func DeviceType(hostname string) string {
	hostname = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, hostname)
	if i := strings.IndexByte(hostname, '.'); i > 0 {
		hostname = hostname[:i] // the short name is enough to recognise it in the Hue app
	}
	for len(hostname) > 19 {
		_, size := utf8.DecodeLastRuneInString(hostname)
		hostname = hostname[:len(hostname)-size]
	}
	if hostname == "" {
		hostname = "host"
	}
	return "huegate#" + hostname
}
