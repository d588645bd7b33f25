package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/huegate/huegate/hue/entertainment"
)

// LinkButtonWindow is how long the link button counts as pressed, as on a
// real bridge.
const LinkButtonWindow = 30 * time.Second

// maxDeviceType is the longest devicetype a bridge accepts.
const maxDeviceType = 40

// PressLinkButton presses the bridge's link button: for LinkButtonWindow,
// or until one app has paired, POST /api hands out the key.
func (b *Bridge) PressLinkButton() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.linkUntil = b.now().Add(LinkButtonWindow)
}

func (b *Bridge) linkPressed() bool { return b.now().Before(b.linkUntil) }

// pair answers POST /api {"devicetype":"app#host"}.
func (b *Bridge) pair(w http.ResponseWriter, body []byte) {
	var req struct {
		DeviceType        *string `json:"devicetype"`
		GenerateClientKey bool    `json:"generateclientkey"`
	}
	if json.Unmarshal(body, &req) != nil {
		answer(w, []any{hueError(errInvalidJSON, "/", "body contains invalid json")})
		return
	}
	if req.DeviceType == nil || *req.DeviceType == "" {
		answer(w, []any{hueError(errMissingParams, "/", "invalid/missing parameters in body")})
		return
	}
	if len(*req.DeviceType) > maxDeviceType {
		answer(w, []any{hueError(errInvalidValue, "/devicetype",
			fmt.Sprintf("invalid value, %s, for parameter, devicetype", *req.DeviceType))})
		return
	}
	if !b.takeLinkButton() {
		answer(w, []any{hueError(errLinkButton, "", "link button not pressed")})
		return
	}
	result := map[string]any{"username": b.key}
	if req.GenerateClientKey {
		key := clientKey()
		b.mu.Lock()
		b.clientKey = key
		b.clientKeys[b.key] = key // the key pairing hands out is always the bridge's one
		b.mu.Unlock()
		result["clientkey"] = key
	}
	answer(w, []any{map[string]any{"success": result}})
}

// takeLinkButton consumes a press: one press pairs one app.
func (b *Bridge) takeLinkButton() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.linkPressed() {
		return false
	}
	b.linkUntil = time.Time{}
	return true
}

// clientKey is the Entertainment streaming key: 16 random bytes in hex.
func clientKey() string {
	key := make([]byte, 16)
	_, _ = rand.Read(key) // never fails since Go 1.24
	return strings.ToUpper(hex.EncodeToString(key))
}

// ClientKey is the clientkey pairing last handed out ("" if none was asked
// for): 32 upper-case hex characters, what a client must have stored.
func (b *Bridge) ClientKey() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.clientKey
}

// ClientKeyOf is the clientkey of application key key: the one pairing
// (or WithClientKey) gave it, "" if it has none.
func (b *Bridge) ClientKeyOf(key string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.clientKeys[key]
}

// pskOf is the stream's pre-shared key for a PSK identity: the clientkey
// of the application key whose application id it is.
func (b *Bridge) pskOf(identity string) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for key, ck := range b.clientKeys {
		if ApplicationID(key) == identity {
			psk, err := entertainment.ParseKey(ck)
			return psk, err == nil
		}
	}
	return nil, false
}

// putConfig answers PUT /api/<key>/config. Of the config only the link
// button can be set: {"linkbutton":true} presses it, as the Hue app's
// "press the button for me" did on earlier firmware. It is how a user (or a
// script) pairs with `huegate emulate`, which has no button to press.
func (b *Bridge) putConfig(body []byte) []any {
	var req struct {
		LinkButton *bool `json:"linkbutton"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return []any{hueError(errInvalidJSON, "/config", "body contains invalid json")}
	}
	if req.LinkButton == nil || !*req.LinkButton {
		return []any{hueError(errNotModifiable, "/config", "only linkbutton true can be set")}
	}
	b.PressLinkButton()
	return []any{map[string]any{"success": map[string]any{"/config/linkbutton": true}}}
}
