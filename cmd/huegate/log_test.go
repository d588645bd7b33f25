package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// logAttack logs attack in every place an event can carry outside text: the
// message, a string field, an error, a list, an object, a list of errors
// and a field's name. It returns how many events it logged.
func logAttack(log zerolog.Logger) int {
	log.Warn().Msg(attack)
	log.Info().Str("light", attack).Msg("light renamed")
	log.Error().Err(errors.New(attack)).Msg("bridge command failed")
	log.Info().Strs("topics", []string{"lights", attack}).Msg("huegate running")
	log.Info().Interface("body", map[string]any{"name": attack}).Msg("answer")
	log.Warn().Errs("errors", []error{errors.New(attack)}).Msg("several")
	log.Warn().Str(attack, "value").Msg("a key from the file")
	return 7
}

// ownColours are the escapes zerolog's console writer colours with.
var ownColours = regexp.MustCompile(`\x1b\[(0|1|3[0-7]|90)m`)

// In console format, with colours and without, the attack is shown escaped
// wherever it is in an event, each event is one line, and no line is
// forged.
func TestConsoleLogsEscapeEveryOutsideString(t *testing.T) {
	for _, noColor := range []string{"", "1"} {
		t.Run("NO_COLOR="+noColor, func(t *testing.T) {
			t.Setenv("NO_COLOR", noColor)
			var out bytes.Buffer
			log, err := (&globals{logLevel: "debug", logFormat: "console", stderr: &out}).newLogger()
			if err != nil {
				t.Fatal(err)
			}
			events := logAttack(log)
			text := out.String()
			if coloured := strings.Contains(text, "\x1b["); coloured != (noColor == "") {
				t.Fatalf("colours %v with NO_COLOR=%q", coloured, noColor)
			}
			plain := ownColours.ReplaceAllString(text, "")
			noRawControls(t, plain)
			if n := strings.Count(plain, "\n"); n != events {
				t.Errorf("%d lines for %d events:\n%s", n, events, plain)
			}
			if forged := forgedLine.FindString(plain); forged != "" {
				t.Errorf("a forged line: %q", forged)
			}
			// \x1b as Go quotes it, \u001b in a list or object as JSON does.
			if n := strings.Count(plain, `]0;PWNED\a`) + strings.Count(plain, `]0;PWNED\u0007`); n != events {
				t.Errorf("the attack is shown escaped in %d events of %d:\n%s", n, events, plain)
			}
		})
	}
}

// In JSON format every line is valid JSON with every control and
// formatting character escaped, and decodes to exactly what was logged.
func TestJSONLogsEscapeEveryOutsideStringAndKeepIt(t *testing.T) {
	var out bytes.Buffer
	log, err := (&globals{logLevel: "debug", logFormat: "json", stderr: &out}).newLogger()
	if err != nil {
		t.Fatal(err)
	}
	events := logAttack(log)
	text := out.String()
	noRawControls(t, text)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != events {
		t.Fatalf("%d lines for %d events:\n%s", len(lines), events, text)
	}
	var got []map[string]any
	for _, line := range lines {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not JSON (%v): %s", err, line)
		}
		got = append(got, e)
	}
	for i, v := range []any{
		got[0]["message"],
		got[1]["light"],
		got[2]["error"],
		got[3]["topics"].([]any)[1],
		got[4]["body"].(map[string]any)["name"],
		got[5]["errors"].([]any)[0],
	} {
		if v != attack {
			t.Errorf("event %d decodes to %q, want the attack as logged", i, v)
		}
	}
	if v, ok := got[6][attack]; !ok || v != "value" {
		t.Errorf("the field named by the attack decodes to %v", got[6])
	}
}
