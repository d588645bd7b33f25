package hue

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// FuzzBridgeAnswer feeds arbitrary bytes to everything that reads a bridge's
// answer to a command or a read: nothing may panic, and every error must be
// one a caller can classify.
func FuzzBridgeAnswer(f *testing.F) {
	files, _ := filepath.Glob("../testdata/errors/*")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkResult(t, body)
		checkErrorArray(t, body)
		lights, err := DecodeLights(body)
		checkDecoded(t, "lights", err, ids(lights, func(l Light) string { return l.ID }))
		groups, err := DecodeGroups(body)
		checkDecoded(t, "groups", err, ids(groups, func(g Group) string { return g.ID }))
	})
}

func checkResult(t *testing.T, body []byte) {
	err := parseResult(body)
	if err == nil {
		return
	}
	var api *APIError
	if !errors.As(err, &api) && !errors.Is(err, ErrMalformed) {
		t.Fatalf("parseResult(%q) = %v (%T): neither a bridge error nor ErrMalformed", body, err, err)
	}
	if !Retryable(err) && api == nil {
		t.Fatalf("a malformed answer must be retryable: %v", err)
	}
	_ = err.Error()
}

func checkErrorArray(t *testing.T, body []byte) {
	err := errorArray(body)
	isArray := bytes.HasPrefix(bytes.TrimSpace(body), []byte("["))
	if isArray && err == nil {
		t.Fatalf("errorArray(%q) = nil for an array: a GET must never take an array for its object", body)
	}
	if !isArray && err != nil {
		t.Fatalf("errorArray(%q) = %v for a non-array", body, err)
	}
}

func checkDecoded(t *testing.T, what string, err error, got []string) {
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("decode %s: %v is not ErrMalformed", what, err)
		}
		return
	}
	sorted := slices.IsSortedFunc(got, func(a, b string) int {
		x, ex := strconv.Atoi(a)
		y, ey := strconv.Atoi(b)
		if ex == nil && ey == nil {
			return x - y
		}
		return 0 // mixed ids: only numeric order is promised
	})
	if !sorted {
		t.Fatalf("%s not sorted by id: %v", what, got)
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// FuzzEventStream feeds arbitrary bytes to the CLIP v2 event stream reader:
// it must end with an error (the stream is over), never panic, and report
// at most one change per line.
func FuzzEventStream(f *testing.F) {
	f.Add([]byte(": hi\n\nid: 1\ndata: [{\"type\":\"update\",\"data\":[{\"id_v1\":\"/lights/3\"}]}]\n\n"))
	f.Add([]byte("data: [{\"data\":[{\"id_v1\":\"/groups/1\"},{\"id_v1\":\"/sensors/2\"}]}]\n"))
	f.Add([]byte("data: garbage\ndata:\ndata: []\n"))
	if data, err := os.ReadFile("../../shared/hue-fixtures/v2-eventstream/openhab-event.json"); err == nil {
		f.Add(append([]byte("data: "), data...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, changes := 0, 0
		err := readEvents(bytes.NewReader(data), func() { lines++ }, func() { changes++ })
		if err == nil {
			t.Fatal("readEvents returned nil: a stream that ended must be an error")
		}
		if !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrTooLong) {
			t.Fatalf("readEvents: unexpected error %v", err)
		}
		if changes > lines {
			t.Fatalf("%d changes from %d lines", changes, lines)
		}
		_ = touchesV1(data)
	})
}
