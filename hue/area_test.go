package hue

import (
	"strings"
	"testing"
)

// An area the bridge describes in a way no frame can carry is refused
// before anything is started, saying why.
func TestStreamableRefusesWhatNoFrameCarries(t *testing.T) {
	good := Area{ID: "7d40f848-8538-5c81-8551-a0c0cbf4424b", Name: "TV", Channels: make([]AreaChannel, 20)}
	if err := good.Streamable(); err != nil {
		t.Fatalf("a 20-channel area: %v", err)
	}
	wide := good
	wide.Channels = make([]AreaChannel, 21)
	shortID := good
	shortID.ID = "tv-1"
	for _, c := range []struct {
		a    Area
		want string
	}{{wide, "21 channels; a stream carries at most 20"}, {shortID, `the id "tv-1", not a 36-character UUID`}} {
		if err := c.a.Streamable(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.a, err, c.want)
		}
	}
}
