package hue

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// streamIdle is how long a silent event stream is trusted; bridges send
// keep-alives well within it.
const streamIdle = 90 * time.Second

// errStreamSilent ends a stream whose bridge said nothing for too long:
// a timeout, worth connecting again.
var errStreamSilent = fmt.Errorf("event stream: bridge silent: %w", context.DeadlineExceeded)

// Stream follows the bridge's CLIP v2 event stream. It calls open once the
// stream is up and changed for every batch that touches a v1 light or
// group, and returns when the stream ends (an error, ctx, or 90 s of
// silence). Bridges that have no stream (v1 only, or plain http on current
// firmware) answer with an error status, and the caller keeps polling.
func (c *Client) Stream(ctx context.Context, open, changed func()) error {
	ctx, cancelCause := context.WithCancelCause(ctx)
	defer cancelCause(nil)
	cancel := func() { cancelCause(errStreamSilent) }
	const path = "/eventstream/clip/v2"
	if err := c.identify(ctx); err != nil {
		return err
	}
	base, err := c.at.base(ctx)
	if err != nil {
		return c.wrap(http.MethodGet, path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return c.wrap(http.MethodGet, path, err)
	}
	req.Header.Set("hue-application-key", c.key)
	req.Header.Set("Accept", "text/event-stream")
	// The answer's header is waited for as long as any request's; after
	// it, silence is trusted for streamIdle.
	idle := time.AfterFunc(c.tout, cancel)
	defer idle.Stop()
	resp, err := c.http.Do(req)
	if err != nil {
		if context.Cause(ctx) == errStreamSilent {
			err = errStreamSilent
		}
		return c.wrap(http.MethodGet, path, certError(unwrapURL(err)))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.wrap(http.MethodGet, path, &StatusError{Code: resp.StatusCode})
	}
	idle.Reset(streamIdle)
	c.obs.Heard()
	open()
	err = readEvents(resp.Body, func() { idle.Reset(streamIdle) }, func() { c.obs.Heard(); changed() })
	if cause := context.Cause(ctx); cause == errStreamSilent {
		err = cause
	} else if cause != nil && err != nil {
		err = fmt.Errorf("event stream: %w", cause)
	}
	return c.wrap(http.MethodGet, path, err)
}

// readEvents reads server-sent events: "data:" lines hold a JSON array of
// events. Anything else (comments, ids, garbage) only proves the stream is
// alive.
func readEvents(r io.Reader, alive, changed func()) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		alive()
		line := sc.Bytes()
		if data, ok := bytes.CutPrefix(line, []byte("data:")); ok && touchesV1(data) {
			changed()
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.EOF
}

type streamEvent struct {
	Type string `json:"type"`
	Data []struct {
		IDv1 string `json:"id_v1"`
	} `json:"data"`
}

// touchesV1 reports whether a batch updates a light or group that the v1
// API knows; malformed batches are ignored.
func touchesV1(data []byte) bool {
	var events []streamEvent
	if json.Unmarshal(bytes.TrimSpace(data), &events) != nil {
		return false
	}
	for _, ev := range events {
		for _, d := range ev.Data {
			if strings.HasPrefix(d.IDv1, "/lights/") || strings.HasPrefix(d.IDv1, "/groups/") {
				return true
			}
		}
	}
	return false
}
