package mqtt

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxTopicLen is the longest topic the MQTT 3.1.1 wire format can carry.
const maxTopicLen = 65535

// validateTopicName checks a topic that is published to: wildcards are not
// allowed there (MQTT 3.1.1, 4.7.1).
func validateTopicName(topic string) error {
	if err := validateTopicText(topic); err != nil {
		return err
	}
	if strings.ContainsAny(topic, "+#") {
		return fmt.Errorf("%w: %q: wildcards + and # are only allowed in subscriptions", ErrInvalidTopic, topic)
	}
	return nil
}

// validateFilter checks a subscription filter: + must fill a whole level, # must
// fill the last level.
func validateFilter(filter string) error {
	if err := validateTopicText(filter); err != nil {
		return err
	}
	levels := strings.Split(filter, "/")
	for i, level := range levels {
		switch {
		case level == "#" && i != len(levels)-1:
			return fmt.Errorf("%w: %q: # must be the last level", ErrInvalidTopic, filter)
		case level != "#" && level != "+" && strings.ContainsAny(level, "+#"):
			return fmt.Errorf("%w: %q: a wildcard must fill a whole level", ErrInvalidTopic, filter)
		}
	}
	return nil
}

func validateTopicText(topic string) error {
	switch {
	case topic == "":
		return fmt.Errorf("%w: empty topic", ErrInvalidTopic)
	case len(topic) > maxTopicLen:
		return fmt.Errorf("%w: topic is %d bytes, more than %d", ErrInvalidTopic, len(topic), maxTopicLen)
	case !utf8.ValidString(topic):
		return fmt.Errorf("%w: %q is not valid UTF-8", ErrInvalidTopic, topic)
	case strings.ContainsRune(topic, 0):
		return fmt.Errorf("%w: %q contains a NUL character", ErrInvalidTopic, topic)
	}
	return nil
}

// matchFilter reports whether topic matches the subscription filter. Filters
// starting with a wildcard do not match topics starting with $ (MQTT 3.1.1, 4.7.2).
func matchFilter(filter, topic string) bool {
	if strings.HasPrefix(topic, "$") && (strings.HasPrefix(filter, "+") || strings.HasPrefix(filter, "#")) {
		return false
	}
	for {
		fLevel, fRest, fMore := strings.Cut(filter, "/")
		if fLevel == "#" {
			return true
		}
		tLevel, tRest, tMore := strings.Cut(topic, "/")
		if fLevel != "+" && fLevel != tLevel {
			return false
		}
		if !fMore || !tMore {
			// "a/#" also matches its parent "a".
			return fMore == tMore || (fMore && fRest == "#")
		}
		filter, topic = fRest, tRest
	}
}

// shareFilter returns the filter that incoming topics are matched against: a
// shared subscription "$share/group/f" delivers messages published to f.
func shareFilter(filter string) string {
	if rest, ok := strings.CutPrefix(filter, "$share/"); ok {
		if _, f, ok := strings.Cut(rest, "/"); ok {
			return f
		}
	}
	return filter
}
