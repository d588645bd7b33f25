package mapping

import (
	"fmt"
	"strconv"
	"time"
)

// Mapping ties one shared MQTT topic to the Hue lights and groups it drives.
type Mapping struct {
	Topic      string
	Bridge     string // bridge name; empty means the only bridge
	Lights     []Ref
	Groups     []Ref
	Range      Range
	Transition time.Duration
	Debounce   time.Duration
	Sync       bool
	// Stream names an entertainment area (by name or v2 id): values go to
	// its lights over the Entertainment stream instead of REST.
	Stream string
	// StreamIdle is how long a stream is held without a change before the
	// area is stopped and its lights go back to REST.
	StreamIdle time.Duration
}

// DefaultStreamIdle is how long a streamed mapping holds its area after
// the last change.
const DefaultStreamIdle = 5 * time.Second

// Ref names a Hue light or group either by its name or by its numeric id.
type Ref struct {
	Name string
	ID   string
}

// String is the reference as the user wrote it.
func (r Ref) String() string {
	if r.ID != "" {
		return r.ID
	}
	return strconv.Quote(r.Name)
}

// ParseRef reads a reference from a YAML value: numbers are ids, strings are
// names, and strings that are all digits are ids too (ids are strings on the
// bridge, so users write them both ways).
func ParseRef(v any) (Ref, error) {
	switch x := v.(type) {
	case int:
		return idRef(int64(x))
	case int64:
		return idRef(x)
	case uint64:
		return idRef(int64(x))
	case float64:
		if x != float64(int64(x)) {
			return Ref{}, fmt.Errorf("light id %v is not a whole number", x)
		}
		return idRef(int64(x))
	case string:
		if x == "" {
			return Ref{}, fmt.Errorf("empty light name")
		}
		if _, err := strconv.ParseUint(x, 10, 32); err == nil {
			return Ref{ID: x}, nil
		}
		return Ref{Name: x}, nil
	}
	return Ref{}, fmt.Errorf("light reference %v (%T) is neither a name nor an id", v, v)
}

func idRef(n int64) (Ref, error) {
	if n <= 0 {
		return Ref{}, fmt.Errorf("light id %d must be positive", n)
	}
	return Ref{ID: strconv.FormatInt(n, 10)}, nil
}

// TransitionTime is the mapping's transition in the bridge's 100 ms steps,
// rounded to the nearest step.
func (m Mapping) TransitionTime() uint16 {
	steps := (m.Transition + 50*time.Millisecond) / (100 * time.Millisecond)
	if steps > 65535 {
		return 65535
	}
	return uint16(steps)
}
