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
// once a second. The key is returned, never put in an error.
func (c *Client) CreateUser(ctx context.Context, deviceType string) (string, error) {
	body, err := json.Marshal(map[string]string{"devicetype": deviceType})
	if err != nil {
		return "", err
	}
	resp, err := c.request(ctx, http.MethodPost, "/api", body)
	if err != nil {
		return "", err
	}
	items, err := parseItems(resp)
	if err != nil {
		return "", c.wrap(http.MethodPost, "/api", err)
	}
	for _, it := range items {
		if it.Error != nil {
			return "", c.wrap(http.MethodPost, "/api", it.Error.apiError())
		}
	}
	for _, it := range items {
		var s struct {
			Username string `json:"username"`
		}
		if json.Unmarshal(it.Success, &s) == nil && s.Username != "" {
			return s.Username, nil
		}
	}
	return "", c.wrap(http.MethodPost, "/api", fmt.Errorf("%w: no username in the answer", ErrMalformed))
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
