// Package emulator emulates a Philips Hue bridge's REST API v1, in the
// spirit of net/http/httptest: load a full-state dump, serve it over real
// HTTP on loopback, and let a test see every request, change state behind
// the client's back (as the Hue app or a wall switch would), and make the
// bridge slow, rate-limited, broken or unreachable.
//
// The same code backs the long-running emulator of `huegate emulate` and
// `huegate demo`, so nothing here may import testing or net/http/httptest:
// huegate's binary links this package. Package hue/huetest adds the
// testing.TB helpers (NewServer, NewTLSServer) on top.
//
// It follows what real bridges answer, including their quirks: errors come
// as HTTP 200 with a JSON array, a body can mix success and error entries,
// brightness sent to a light that is off fails with error 201, and an
// overloaded bridge answers 429 with an HTML page.
//
// A Server plays one of three kinds of bridge (Mode): an old one (plain
// http, v1 only), today's square bridge (http and https on one port, CLIP
// v2 on https only) or the Bridge Pro (https only). Over https the bridge
// also speaks CLIP v2, as a view of the same v1 state with ids derived
// from the v1 ones, and shows a certificate the caller chooses: CA stands
// in for the Hue root and issues the right certificate or wrong ones.
//
// The Entertainment API is there too (ServeOptions.StreamAddr): v1
// Entertainment groups are v2 entertainment_configurations, started and
// stopped over v2, and fed over DTLS (package hue/entertainment) with the
// clientkey of the starting key as pre-shared key. Frames reach the lights
// at 25 Hz, newest first, without event-stream notifications; Frames and
// StreamStats show what came, knobs make the area busy or the port dead.
package emulator
