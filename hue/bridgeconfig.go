package hue

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// BridgeConfig is how a bridge names itself.
type BridgeConfig struct {
	Name      string // as set in the Hue app, e.g. "Philips hue"
	BridgeID  string // 16 hex digits, stable for the life of the bridge
	ModelID   string // e.g. BSB002
	SwVersion string
}

// BridgeConfig reads the bridge's name, id, model and firmware (GET /config).
func (c *Client) BridgeConfig(ctx context.Context) (BridgeConfig, error) {
	if v2, err := c.useV2(ctx, OpConfig); err != nil {
		return BridgeConfig{}, err
	} else if v2 {
		return c.bridgeConfigV2(ctx)
	}
	body, err := c.get(ctx, OpConfig, "/config")
	if err != nil {
		return BridgeConfig{}, err
	}
	var raw struct {
		Name      string `json:"name"`
		BridgeID  string `json:"bridgeid"`
		ModelID   string `json:"modelid"`
		SwVersion string `json:"swversion"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return BridgeConfig{}, c.wrap(http.MethodGet, "/config", fmt.Errorf("%w: %s", ErrMalformed, describe(err)))
	}
	if raw.BridgeID == "" {
		return BridgeConfig{}, c.wrap(http.MethodGet, "/config", fmt.Errorf("%w: no bridgeid", ErrMalformed))
	}
	return BridgeConfig{Name: raw.Name, BridgeID: raw.BridgeID, ModelID: raw.ModelID, SwVersion: raw.SwVersion}, nil
}
