package app

import (
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/rs/zerolog"
)

// commandLog logs each bridge command as it happens (Options.LogCommands).
type commandLog struct {
	gateway.NopEvents
	log   zerolog.Logger
	names map[string]string // light id to name
}

func (c commandLog) Sent(kind, id string, st hue.State, newest time.Time, err error) {
	ev := c.log.Info()
	msg := "bridge command"
	if err != nil {
		ev, msg = c.log.Warn().Err(err), "bridge command failed"
	}
	ev = ev.Str(kind, id)
	if kind == "light" {
		ev = ev.Str("name", c.names[id])
	}
	ev = ev.RawJSON("body", st.AppendJSON(nil))
	if st.Has(hue.FieldBri) && st.Brightness > 0 {
		// What a CLIP v2 bridge is sent, in finer steps than bri.
		ev = ev.Float64("brightness_pct", st.Percent())
	}
	ev.Int64("since_message_ms", time.Since(newest).Milliseconds()).Msg(msg)
}
