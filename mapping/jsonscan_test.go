package mapping

import (
	"bytes"
	"encoding/json"
	"testing"
)

var jsonSeeds = []string{
	`{"state":"ON","brightness":100}`, `{"brightness": 12.5e1 , "state" : "off"}`, `{}`, ` { } `,
	`{"State":"on","BRIGHTNESS":"7"}`, `{"state":null,"brightness":3}`, `{"state":"ON","state":null}`,
	`{"brightness":true}`, `{"brightness":-0.5E-3}`, `{"color":{"x":1},"brightness":9}`, `{"state":1}`,
	`{"ſtate":"OFF"}`, `{"state":"O\u004e"}`, `{"brightness":01}`, `{"brightness":1.}`, `{"brightness":.5}`,
	`{"a":"x",}`, `{"a" "x"}`, `{"brightness":nulll}`, `{"brightness":1}x`, `{"state":"\t"}`, `{"brightness":"",}`,
	`{"transition":2,"brightness":254,"state":"ON"}`, `{"brightness":1e999}`, `{"brightness":+1}`, `{"state":"ON"`,
}

// The scanner takes a shortcut for common payloads; wherever it answers, it
// must answer as encoding/json does.
func TestScanJSONAgreesWithEncodingJSON(t *testing.T) {
	taken := 0
	for _, s := range jsonSeeds {
		if checkScan(t, []byte(s)) {
			taken++
		}
	}
	if taken < 10 {
		t.Errorf("the scanner took only %d of the seeds; the shortcut is not taken", taken)
	}
}

func FuzzScanJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) { checkScan(t, p) })
}

// checkScan compares the scanner with encoding/json on p and reports
// whether the scanner answered.
func checkScan(t *testing.T, p []byte) bool {
	t.Helper()
	got, ok := scanJSON(p)
	if !ok {
		return false
	}
	var j jsonPayload
	if err := json.Unmarshal(p, &j); err != nil {
		t.Fatalf("scanJSON took %q, which encoding/json refuses: %v", p, err)
	}
	if (j.State == nil) != (got.state == nil) || (j.State != nil && *j.State != string(got.state)) {
		t.Fatalf("%q: state %q, encoding/json says %v", p, got.state, deref(j.State))
	}
	if (j.Brightness == nil) != (got.brightness == nil) || (j.Brightness != nil && !bytes.Equal(*j.Brightness, got.brightness)) {
		t.Fatalf("%q: brightness %q, encoding/json says %s", p, got.brightness, deref(j.Brightness))
	}
	return true
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestJSONPayloadsAllocateNothing(t *testing.T) {
	p := []byte(`{"state":"ON","brightness":100}`)
	if n := testing.AllocsPerRun(100, func() { _, _ = Parse(p, DefaultRange) }); n != 0 {
		t.Fatalf("%v allocations per JSON payload, want 0", n)
	}
}
