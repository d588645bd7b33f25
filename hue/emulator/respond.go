package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// Hue v1 error types used by the emulator.
const (
	errUnauthorized   = 1
	errInvalidJSON    = 2
	errNotAvailable   = 3
	errMethod         = 4
	errMissingParams  = 5
	errParameter      = 6
	errInvalidValue   = 7
	errNotModifiable  = 8
	errLinkButton     = 101
	errDeviceOff      = 201
	errInternal       = 901
	internalErrorText = "Internal error, 500"
)

// errorBody keeps the bridge's member order: type, address, description.
type errorBody struct {
	Type        int    `json:"type"`
	Address     string `json:"address"`
	Description string `json:"description"`
}

// hueError is one entry of a v1 error answer.
func hueError(typ int, address, description string) map[string]any {
	return map[string]any{"error": errorBody{Type: typ, Address: address, Description: description}}
}

// success is one entry of a v1 success answer.
func success(address string, value any) map[string]any {
	return map[string]any{"success": map[string]any{address: value}}
}

func notAvailable(address string) map[string]any {
	return hueError(errNotAvailable, address, fmt.Sprintf("resource, %s, not available", address))
}

func methodNotAvailable(method, address string) map[string]any {
	return hueError(errMethod, address,
		fmt.Sprintf("method, %s, not available for resource, %s", method, address))
}

// encode marshals like the bridge: UTF-8 as is, no HTML escaping of <, >
// and & (Go's default would turn them into \u003c and friends).
func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only values built by this package are encoded; they always marshal.
		panic(fmt.Sprintf("emulator: encode: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeHTML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// answer writes a v1 answer: HTTP 200 whatever the outcome, as bridges do.
func answer(w http.ResponseWriter, v any) {
	writeJSON(w, http.StatusOK, encode(v))
}

const tooManyRequestsHTML = "<html><head><title>429 Too Many Requests</title></head>" +
	"<body><h1>429 Too Many Requests</h1></body></html>\n"

const serviceUnavailableHTML = "<html><head><title>503 Service Unavailable</title></head>" +
	"<body><h1>503 Service Unavailable</h1></body></html>\n"
