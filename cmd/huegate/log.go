package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/huegate/huegate/internal/printable"
	"github.com/rs/zerolog"
)

// newLogger writes console lines on a terminal and JSON otherwise. Either
// way, what a line carries from outside (a bridge's error text, a light's
// name, a key from the config file) is shown, never obeyed: see
// consoleWriter and jsonWriter.
func (g *globals) newLogger() (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(g.logLevel)
	if err != nil || g.logLevel == "" {
		return zerolog.Nop(), &exitError{2, fmt.Errorf("--log-level %q: use debug, info, warn or error", g.logLevel)}
	}
	var w io.Writer = jsonWriter{g.stderr}
	switch g.logFormat {
	case "console":
		w = consoleWriter(g.stderr)
	case "json":
	case "auto", "":
		if isTerminal(g.stderr) {
			w = consoleWriter(g.stderr)
		}
	default:
		return zerolog.Nop(), &exitError{2, fmt.Errorf("--log-format %q: use auto, console or json", g.logFormat)}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

// consoleWriter writes a line per event for a person at a terminal, with
// every control and formatting character from outside escaped (\x1b, \n,
// \u202e): one in a bridge's error could otherwise set the terminal's
// title, clear its screen, or start a line that passes for huegate's own.
func consoleWriter(out io.Writer) zerolog.ConsoleWriter {
	return zerolog.ConsoleWriter{Out: out, TimeFormat: time.TimeOnly, FormatPrepare: escapeEvent}
}

// escapeEvent escapes what the console writer would print as it is: the
// message, field names, and values that are lists or objects. String values
// it quotes itself, with strconv.Quote, which escapes every control and
// formatting character (printable.Hidden); numbers and booleans are
// huegate's own.
func escapeEvent(evt map[string]any) error {
	renamed := map[string]any{}
	for k, v := range evt {
		switch v := v.(type) {
		case string:
			if k == zerolog.MessageFieldName {
				evt[k] = printable.Text(v)
			}
		case json.Number, bool, nil:
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			evt[k] = json.RawMessage(printable.JSON(b))
		}
		if safe := printable.Text(k); safe != k {
			renamed[safe] = evt[k]
			delete(evt, k)
		}
	}
	for k, v := range renamed {
		evt[k] = v
	}
	return nil
}

// jsonWriter writes zerolog's JSON lines with the control and formatting
// characters zerolog leaves as they are (C1 controls, bidi overrides,
// zero-width spaces) escaped too: the same JSON values, but neither a
// terminal showing the log nor a log viewer obeys them.
type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(printable.JSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
