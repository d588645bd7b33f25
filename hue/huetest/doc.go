// Package huetest runs the bridge emulator (package hue/emulator) for a
// test, in the spirit of net/http/httptest: NewServer serves a fixture on a
// loopback port over http, NewTLSServer over https (a pinned self-signed
// certificate), NewModeServer as an old, gen2 or Pro bridge with a
// certificate of a test CA, and all stop when the test ends. Everything else (knobs, the request log, state behind the
// client's back) is the emulator's own API.
//
// Only tests import this package; huegate's binary links hue/emulator alone.
package huetest
