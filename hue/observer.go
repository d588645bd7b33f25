package hue

import "time"

// Op names a kind of request, as metrics label it.
type Op string

// The requests a Client reports to its Observer.
const (
	OpSetLight Op = "set_light"
	OpSetGroup Op = "set_group"
	OpLights   Op = "lights"
	OpGroups   Op = "groups"
	OpScenes   Op = "scenes"
	OpConfig   Op = "config"
	OpArea     Op = "area" // starting or stopping an entertainment area
)

// Observer hears how each of a Client's requests ended: metrics time them
// and the health check learns when the bridge last answered. It is part of
// the client's Config rather than a wrapper around the client, so no
// capability of the client can be lost on the way. Its methods are called on
// the request's goroutine and must not block.
type Observer interface {
	// Request is one request's operation, how long it took and its error
	// (nil on success).
	Request(op Op, took time.Duration, err error)
	// Heard is a sign of life from the event stream: it opened, or it
	// delivered events.
	Heard()
}

type nopObserver struct{}

func (nopObserver) Request(Op, time.Duration, error) {}
func (nopObserver) Heard()                           {}
