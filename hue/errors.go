package hue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Hue API error types that huegate acts on.
const (
	ErrTypeUnauthorized   = 1
	ErrTypeInvalidJSON    = 2
	ErrTypeNotAvailable   = 3
	ErrTypeInvalidValue   = 7
	ErrTypeLinkButton     = 101
	ErrTypeDeviceOff      = 201
	ErrTypeInternalBridge = 901
)

// APIError is an error object from the bridge's JSON answer.
type APIError struct {
	Type        int
	Address     string
	Description string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("bridge error %d", e.Type)
	if e.Address != "" {
		msg += " at " + e.Address
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if e.Type == ErrTypeUnauthorized {
		msg += pairHint
	}
	return msg
}

// pairHint follows every unauthorized error, v1 or v2.
const pairHint = " (the API key is not known to this bridge: run `huegate pair` to get one)"

// StatusError is a non-200 HTTP answer, such as 429 with an HTML body.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return "bridge answered HTTP " + strconv.Itoa(e.Code)
}

// ErrMalformed wraps answers that are not the JSON the bridge should send.
var ErrMalformed = errors.New("bridge sent a malformed answer")

// ErrTooLarge is an answer bigger than any real bridge sends.
var ErrTooLarge = errors.New("bridge answer too large")

// ErrCertUnverified is an https bridge whose certificate no trusted
// authority vouches for, with no pin set. Bridges use a private CA and no IP
// address in their certificate, so only the pin can: retrying cannot help.
var ErrCertUnverified = errors.New("bridge certificate cannot be verified: an https bridge needs " +
	"bridge.cert_sha256, which `huegate pair --host <bridge>` records")

// Retryable reports whether sending the same command again later may succeed.
// Unauthorized, unknown resources, invalid values, other 4xx answers, a
// changed certificate and cancellation are final; timeouts, network errors,
// 429/5xx, malformed answers and internal bridge errors are worth a retry. An
// https certificate that cannot be verified is final too.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrCertChanged) || errors.Is(err, ErrCertUnverified) {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Type == ErrTypeInternalBridge || api.Type == -1
	}
	var st *StatusError
	if errors.As(err, &st) {
		return st.Code == 429 || st.Code >= 500
	}
	return !errors.Is(err, ErrRedirect)
}

// Unusable reports whether err means the bridge cannot be used right now
// but may be later, so a command is kept (its newest value) and sent again
// after a pause rather than dropped: every Retryable error, and also a
// redirect or a certificate that does not match, which need the user (a
// bridge moved to https, an address taken by another device) but must not
// lose the value meanwhile.
func Unusable(err error) bool {
	return Retryable(err) || errors.Is(err, ErrRedirect) || errors.Is(err, ErrCertChanged) || errors.Is(err, ErrCertUnverified)
}

// IsType reports whether err is a bridge error of the given type.
func IsType(err error, typ int) bool {
	var api *APIError
	return errors.As(err, &api) && api.Type == typ
}

// parseResult reads a command's answer: an array of success and error
// objects. It returns the first error, if any. Unlike huego it tolerates
// error objects with missing fields or a string type, and reports arrays that
// are not arrays instead of panicking.
func parseResult(body []byte) error {
	items, err := parseItems(body)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Error != nil {
			return it.Error.apiError()
		}
	}
	return nil
}

type item struct {
	Success json.RawMessage `json:"success"`
	Error   *rawError       `json:"error"`
}

type rawError struct {
	Type        json.RawMessage `json:"type"`
	Address     any             `json:"address"`
	Description any             `json:"description"`
}

func (r *rawError) apiError() *APIError {
	e := &APIError{Type: -1}
	t := bytes.Trim(r.Type, `"`)
	if n, err := strconv.Atoi(string(t)); err == nil {
		e.Type = n
	}
	e.Address, _ = r.Address.(string)
	e.Description, _ = r.Description.(string)
	return e
}

func parseItems(body []byte) ([]item, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrMalformed)
	}
	var items []item
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, describe(err))
	}
	return items, nil
}

// errorArray returns the bridge error when body is an error array; GETs answer
// with an object normally and with an array only on errors.
func errorArray(body []byte) error {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '[' {
		return nil
	}
	if err := parseResult(b); err != nil {
		return err
	}
	return fmt.Errorf("%w: unexpected array", ErrMalformed)
}

// describe shortens JSON errors: they can quote parts of the body.
func describe(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "invalid JSON at offset " + strconv.FormatInt(se.Offset, 10)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "unexpected JSON " + te.Value + " for " + te.Field
	}
	return "invalid JSON"
}
