package emulator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
)

// Fault is a way for the bridge to misbehave. Faults hit requests under
// /api/<key>/ (reads and commands alike), never change state, and leave
// pairing and the public config alone. Connection refused is Server.Stop.
type Fault int

const (
	FaultNone               Fault = iota
	FaultHang                     // accept, never answer until the fault is cleared or the client gives up
	FaultReset                    // drop the connection with a TCP reset ("connection reset by peer")
	FaultHTTP503                  // 503 with an HTML page
	FaultHTTP429                  // 429 with an HTML page, whatever the rate
	FaultBadJSON                  // 200 with truncated JSON: [{"success":
	FaultEmptyBody                // 200 with an empty body
	FaultErrorNoAddress           // an error object without "address"
	FaultErrorNoDescription       // an error object without "description"
	FaultErrorStringType          // an error object whose type is the string "901"
	FaultError901                 // a well-formed internal error (type 901)
	FaultPartial                  // a success entry followed by an error entry
	FaultHugeBody                 // 200 with a 10 MiB body
	FaultEmptyObject              // 200 with {}: a collection with nothing in it
	FaultError                    // a well-formed error of the type and description SetFaultError chose
)

// HugeBodySize is the body length FaultHugeBody sends.
const HugeBodySize = 10 << 20

var faultNames = [...]string{"none", "hang", "reset", "http503", "http429", "badjson", "emptybody",
	"error-no-address", "error-no-description", "error-string-type", "error901", "partial", "hugebody", "emptyobject", "error"}

func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// SetFault makes the bridge misbehave from now on; FaultNone heals it.
// Requests hanging under FaultHang are answered according to the new
// fault.
func (b *Bridge) SetFault(f Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fault = f
	close(b.faultCh)
	b.faultCh = make(chan struct{})
}

// SetFaultError chooses the error FaultError answers with: its type and
// its description. Until it is called, FaultError is error 901, "Internal
// error, 500". A bridge's error text is outside input to whatever logs or
// shows it, and this makes it anything: a description that holds terminal
// escapes, or a type a client takes as final rather than worth a retry.
func (b *Bridge) SetFaultError(typ int, description string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faultErr = &errorBody{Type: typ, Description: description}
}

// serveFault plays the current fault and reports whether the request is
// finished with.
func (b *Bridge) serveFault(w http.ResponseWriter, r *http.Request, t target, body []byte) bool {
	f, ok := b.waitOutHang(r.Context())
	if !ok {
		noAnswer() // the client gave up, or the server is stopping
	}
	if f == FaultNone {
		return false
	}
	writeFault(w, f, t.address(), b.chosenError(), body)
	return true
}

func (b *Bridge) waitOutHang(ctx context.Context) (Fault, bool) {
	for {
		b.mu.Lock()
		f, ch := b.fault, b.faultCh
		b.mu.Unlock()
		if f != FaultHang {
			return f, true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return f, false
		}
	}
}

// chosenError is the error FaultError answers with (see SetFaultError).
func (b *Bridge) chosenError() errorBody {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.faultErr == nil {
		return errorBody{Type: errInternal, Description: internalErrorText}
	}
	return *b.faultErr
}

func writeFault(w http.ResponseWriter, f Fault, address string, chosen errorBody, body []byte) {
	errObj := func(fields map[string]any) []any { return []any{map[string]any{"error": fields}} }
	switch f {
	case FaultReset:
		resetConn(w)
	case FaultHTTP503:
		writeHTML(w, http.StatusServiceUnavailable, serviceUnavailableHTML)
	case FaultHTTP429:
		writeHTML(w, http.StatusTooManyRequests, tooManyRequestsHTML)
	case FaultBadJSON:
		writeJSON(w, http.StatusOK, []byte(`[{"success":`))
	case FaultEmptyBody:
		writeJSON(w, http.StatusOK, nil)
	case FaultEmptyObject:
		writeJSON(w, http.StatusOK, []byte("{}"))
	case FaultErrorNoAddress:
		answer(w, errObj(map[string]any{"type": errInternal, "description": internalErrorText}))
	case FaultErrorNoDescription:
		answer(w, errObj(map[string]any{"type": errInternal, "address": address}))
	case FaultErrorStringType:
		answer(w, errObj(map[string]any{"type": strconv.Itoa(errInternal), "address": address, "description": internalErrorText}))
	case FaultError901:
		answer(w, []any{hueError(errInternal, address, internalErrorText)})
	case FaultPartial:
		answer(w, partial(address, body))
	case FaultHugeBody:
		writeHuge(w)
	case FaultError:
		answer(w, []any{hueError(chosen.Type, address, chosen.Description)})
	default:
		panic(fmt.Sprintf("emulator: unknown fault %v", f))
	}
}

// partial succeeds on the body's first field (or "on") and fails the rest
// of the request with an internal error.
func partial(address string, body []byte) []any {
	name, value := "on", any(true)
	if fields, ok := parseFields(body); ok && len(fields) > 0 {
		name, value = fields[0].name, fields[0].raw
	}
	return []any{success(address+"/"+name, value), hueError(errInternal, address, internalErrorText)}
}

// resetConn closes the connection with SO_LINGER 0, which makes the kernel
// send RST instead of FIN: the client reads "connection reset by peer".
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		noAnswer() // not a hijackable connection: abort as best we can
	}
	if tc, ok := tcpConn(conn); ok {
		_ = tc.SetLinger(0)
		_ = tc.Close() // a tls.Conn would say goodbye first; a reset does not
		return
	}
	_ = conn.Close()
}

// tcpConn finds the TCP connection under a tls.Conn or a sniffed one.
func tcpConn(c net.Conn) (*net.TCPConn, bool) {
	for {
		switch v := c.(type) {
		case *net.TCPConn:
			return v, true
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil, false
		}
	}
}

// writeHuge sends valid JSON of exactly HugeBodySize bytes, so a client
// that does not cap what it reads swallows all of it.
func writeHuge(w http.ResponseWriter) {
	const head, tail = `[{"success":{"/config/name":"`, `"}}]`
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(HugeBodySize))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, head)
	pad := bytes.Repeat([]byte("x"), 32<<10)
	for left := HugeBodySize - len(head) - len(tail); left > 0; {
		n := min(left, len(pad))
		if _, err := w.Write(pad[:n]); err != nil {
			return // the client went away
		}
		left -= n
	}
	_, _ = io.WriteString(w, tail)
}

// SetCommandFault makes the bridge answer every command with f while reads
// keep working: a bridge in trouble (error 901 to every command) rather
// than one that is gone. FaultNone heals it; FaultHang is not supported
// here (use SetFault).
func (b *Bridge) SetCommandFault(f Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cmdFault = f
}

func (b *Bridge) serveCommandFault(w http.ResponseWriter, t target, body []byte) bool {
	b.mu.Lock()
	f := b.cmdFault
	b.mu.Unlock()
	if f == FaultNone || f == FaultHang {
		return false
	}
	writeFault(w, f, t.address(), b.chosenError(), body)
	return true
}
