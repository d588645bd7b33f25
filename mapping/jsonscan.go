package mapping

import (
	"encoding/json"
	"unicode/utf8"
)

// jsonFields is what a JSON payload says: the raw "state" string and the raw
// "brightness" value, nil when absent or null.
type jsonFields struct {
	state      []byte // contents of the string, without quotes
	brightness []byte // the value as written
}

// readJSON reads a JSON payload, without allocating for the flat objects
// dimmers and zigbee2mqtt send; anything the scanner does not take on
// (escapes, nesting, non-ASCII keys, a state that is not a string) goes
// through encoding/json, which also decides what is valid.
func readJSON(p []byte) (jsonFields, bool) {
	if f, ok := scanJSON(p); ok {
		return f, true
	}
	var j jsonPayload
	if err := json.Unmarshal(p, &j); err != nil {
		return jsonFields{}, false
	}
	var f jsonFields
	if j.State != nil {
		f.state = []byte(*j.State)
	}
	if j.Brightness != nil {
		f.brightness = *j.Brightness
	}
	return f, true
}

type jsonPayload struct {
	State      *string          `json:"state"`
	Brightness *json.RawMessage `json:"brightness"`
}

// scanJSON takes a flat object in valid UTF-8 whose keys are plain ASCII and
// whose values are strings without escapes, numbers, true, false or null. Keys match
// case-insensitively and the last one wins, as with encoding/json. It
// reports false for anything else, valid or not.
func scanJSON(p []byte) (f jsonFields, ok bool) {
	if !utf8.Valid(p) { // encoding/json would replace bad bytes with U+FFFD
		return f, false
	}
	s := scanner{p: p}
	s.space()
	if !s.eat('{') {
		return f, false
	}
	s.space()
	if s.eat('}') {
		return f, s.end()
	}
	for {
		key, ok := s.str()
		if !ok || !asciiKey(key) {
			return f, false
		}
		s.space()
		if !s.eat(':') {
			return f, false
		}
		s.space()
		quoted := s.peek('"')
		val, ok := s.value()
		if !ok {
			return f, false
		}
		switch {
		case equalFold(key, "state"):
			if !quoted && val != nil {
				return f, false // encoding/json refuses it; let it say so
			}
			f.state = val
		case equalFold(key, "brightness"):
			f.brightness = val
			if quoted {
				f.brightness = s.p[s.last-len(val)-2 : s.last] // with its quotes, as written
			}
		}
		s.space()
		if s.eat('}') {
			return f, s.end()
		}
		if !s.eat(',') {
			return f, false
		}
		s.space()
	}
}

type scanner struct {
	p    []byte
	i    int
	last int // end of the last value read
}

func (s *scanner) space() {
	for s.i < len(s.p) && (s.p[s.i] == ' ' || s.p[s.i] == '\t' || s.p[s.i] == '\n' || s.p[s.i] == '\r') {
		s.i++
	}
}

func (s *scanner) peek(c byte) bool { return s.i < len(s.p) && s.p[s.i] == c }

func (s *scanner) eat(c byte) bool {
	if s.peek(c) {
		s.i++
		return true
	}
	return false
}

func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.p)
}

// str reads a string without escapes and returns its contents.
func (s *scanner) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.p) {
		switch c := s.p[s.i]; {
		case c == '"':
			s.i++
			s.last = s.i
			return s.p[start : s.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// value reads a string (returning its contents), a number, true or false
// (returning them as written), or null (returning nil).
func (s *scanner) value() ([]byte, bool) {
	if s.peek('"') {
		v, ok := s.str()
		if v == nil {
			v = []byte{} // "" is a value, not an absent one
		}
		return v, ok
	}
	start := s.i
	for _, lit := range []string{"true", "false", "null"} {
		if len(s.p)-s.i >= len(lit) && string(s.p[s.i:s.i+len(lit)]) == lit {
			s.i += len(lit)
			s.last = s.i
			if lit == "null" {
				return nil, true
			}
			return s.p[start:s.i], true
		}
	}
	if !s.number() {
		return nil, false
	}
	s.last = s.i
	return s.p[start:s.i], true
}

// number reads a number as JSON spells it: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func (s *scanner) number() bool {
	s.eat('-')
	switch {
	case s.eat('0'):
	case s.i < len(s.p) && s.p[s.i] >= '1' && s.p[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.eat('.') && s.digits() == 0 {
		return false
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if s.digits() == 0 {
			return false
		}
	}
	// A literal or number must end here, not run into another token.
	return s.i == len(s.p) || !isAlnum(s.p[s.i])
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.p) && s.p[s.i] >= '0' && s.p[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '+'
}

// asciiKey: encoding/json folds some non-ASCII letters onto ASCII ones
// ("ſtate" is state to it); such keys go its way.
func asciiKey(k []byte) bool {
	for _, c := range k {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func equalFold(k []byte, name string) bool {
	if len(k) != len(name) {
		return false
	}
	for i, c := range k {
		if c|0x20 != name[i] {
			return false
		}
	}
	return true
}
