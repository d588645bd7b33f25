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
package emulator
