package app

import "github.com/rs/zerolog"

// plainHTTPWarning says, once per start, that a bridge given without a
// scheme has no https and is reached over plain http.
func plainHTTPWarning(log zerolog.Logger, bridge, base string) {
	log.Warn().Str("bridge", bridge).Str("url", base).
		Msg("the bridge has no https, so huegate uses plain http, which carries the key in clear and which Hue bridges are dropping; update the bridge in the Hue app")
}
