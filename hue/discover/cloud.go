package discover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// CloudURL is the Hue cloud discovery endpoint (what huego.Discover calls).
const CloudURL = "https://discovery.meethue.com"

// ErrCloud is the class of every cloud discovery failure.
var ErrCloud = errors.New("cloud discovery failed (it needs internet access and allows about one request per 15 minutes)")

// cloudTimeout bounds the cloud request when ctx has no earlier deadline.
const cloudTimeout = 10 * time.Second

// Cloud asks the discovery endpoint at url which bridges it knows on this
// network (it matches on the public IP address). Unlike huego it bounds the
// request, checks the status (429 is its rate limit), and caps the body.
func Cloud(ctx context.Context, url string) ([]Bridge, error) {
	ctx, cancel := context.WithTimeout(ctx, cloudTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCloud, err)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCloud, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests {
		return nil, fmt.Errorf("%w: HTTP 429, rate-limited: try again in 15 minutes", ErrCloud)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP %d", ErrCloud, resp.StatusCode)
	}
	var entries []struct {
		ID   string `json:"id"`
		IP   string `json:"internalipaddress"`
		Port int    `json:"port"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&entries); err != nil {
		return nil, fmt.Errorf("%w: unreadable answer", ErrCloud)
	}
	var out []Bridge
	for _, e := range entries {
		host, err := hostOf(e.IP, e.Port)
		if err != nil {
			continue
		}
		out = append(out, Bridge{Host: host, ID: e.ID, Source: "cloud"})
	}
	return out, nil
}
