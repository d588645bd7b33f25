package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"
)

// newLogger writes console lines on a terminal and JSON otherwise.
func (g *globals) newLogger() (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(g.logLevel)
	if err != nil || g.logLevel == "" {
		return zerolog.Nop(), &exitError{2, fmt.Errorf("--log-level %q: use debug, info, warn or error", g.logLevel)}
	}
	var w io.Writer = g.stderr
	switch g.logFormat {
	case "console":
		w = zerolog.ConsoleWriter{Out: g.stderr, TimeFormat: time.TimeOnly}
	case "json":
	case "auto", "":
		if isTerminal(g.stderr) {
			w = zerolog.ConsoleWriter{Out: g.stderr, TimeFormat: time.TimeOnly}
		}
	default:
		return zerolog.Nop(), &exitError{2, fmt.Errorf("--log-format %q: use auto, console or json", g.logFormat)}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
