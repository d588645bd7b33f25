package mapping

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// MaxPayload is the largest payload huegate reads; anything longer is junk
// for a topic that carries one number.
const MaxPayload = 1024

// Reject is why a payload was refused. Reason is short and fixed so it can be
// a metric label; the errors are preallocated so rejecting costs nothing.
type Reject struct {
	Reason string
	Detail string
}

func (e *Reject) Error() string { return e.Detail }

// The reasons a payload is rejected.
var (
	ErrEmpty     = &Reject{"empty", "empty payload"}
	ErrTooLarge  = &Reject{"too_large", "payload larger than 1 KiB"}
	ErrNotUTF8   = &Reject{"invalid_utf8", "payload is not valid UTF-8"}
	ErrNotNumber = &Reject{"not_a_number", "payload is not a number, a percentage, ON/OFF or {\"state\",\"brightness\"} JSON"}
	ErrNotFinite = &Reject{"not_finite", "payload is not a finite number"}
)

// Parse reads a payload published on a mapped topic and returns the level it
// asks for. Accepted: a number in the range ("127", "127.5", " 127\n"), a
// percentage of the range ("50%"), ON/OFF/true/false in any case, or JSON
// {"state":"ON","brightness":N} with N in the range. ON without a brightness
// is On with Bri 0: switch on and keep the light's brightness.
func Parse(payload []byte, r Range) (Level, error) {
	if len(payload) > MaxPayload {
		return Level{}, ErrTooLarge
	}
	if !utf8.Valid(payload) {
		return Level{}, ErrNotUTF8
	}
	p := bytes.TrimSpace(payload)
	if len(p) == 0 {
		return Level{}, ErrEmpty
	}
	switch {
	case p[0] == '{':
		return parseJSON(p, r)
	case p[len(p)-1] == '%':
		return parsePercent(p[:len(p)-1], r)
	}
	if on, ok := parseSwitch(p); ok {
		return Level{On: on}, nil
	}
	v, err := parseNumber(p)
	if err != nil {
		return Level{}, err
	}
	return r.Level(v), nil
}

func parsePercent(p []byte, r Range) (Level, error) {
	pct, err := parseNumber(bytes.TrimSpace(p))
	if err != nil {
		return Level{}, err
	}
	pct = max(0, min(100, pct))
	return r.Level(r.Min + pct/100*(r.Max-r.Min)), nil
}

// parseSwitch recognises on/off words without allocating.
func parseSwitch(p []byte) (on, ok bool) {
	switch {
	case bytes.EqualFold(p, []byte("on")), bytes.EqualFold(p, []byte("true")):
		return true, true
	case bytes.EqualFold(p, []byte("off")), bytes.EqualFold(p, []byte("false")):
		return false, true
	}
	return false, false
}

// parseNumber accepts plain decimal numbers only. strconv alone would also
// take "NaN", "Inf", hex floats and underscores, none of which a dimmer
// means; and it turns "1e999" into +Inf.
func parseNumber(p []byte) (float64, error) {
	if len(p) == 0 || len(p) > 64 {
		return 0, ErrNotNumber
	}
	for _, c := range p {
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, ErrNotNumber
		}
	}
	v, err := strconv.ParseFloat(string(p), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, ErrNotFinite
		}
		return 0, ErrNotNumber
	}
	if !isFinite(v) {
		return 0, ErrNotFinite
	}
	return v, nil
}

func parseJSON(p []byte, r Range) (Level, error) {
	j, ok := readJSON(p)
	if !ok {
		return Level{}, ErrNotNumber
	}
	on := true
	if j.state != nil {
		var ok bool
		if on, ok = parseSwitch(j.state); !ok {
			return Level{}, ErrNotNumber
		}
	}
	if !on {
		return Level{}, nil
	}
	if j.brightness == nil {
		if j.state == nil {
			return Level{}, ErrNotNumber
		}
		return Level{On: true}, nil
	}
	v, err := parseNumber(j.brightness)
	if err != nil {
		return Level{}, err
	}
	return r.Level(v), nil
}
