// Package hue talks to a Philips Hue bridge over its v1 REST API, or over
// CLIP v2 (v2*.go) on https bridges that have it, handing out the same types
// and v1 ids either way, so nothing above the client knows which it is.
//
// It reads lights and groups with github.com/amimof/huego's types, but sends
// every request itself, because huego (v1.2.1) uses http.DefaultClient with
// no timeout, ignores HTTP status codes, cannot send 0 or false for several
// fields, panics on some error objects and quotes the API key in its errors.
// Here every request has a deadline, the status is checked before the body is
// parsed, any body (HTML, garbage, 10 MiB) gives an error instead of a crash,
// and no error text ever contains the key.
package hue
