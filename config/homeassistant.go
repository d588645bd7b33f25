package config

import "strings"

func (r *reader) homeAssistant() HomeAssistant {
	return HomeAssistant{
		Enabled:         r.bool("homeassistant.enabled"),
		DiscoveryPrefix: strings.Trim(r.str("homeassistant.discovery_prefix"), "/ "),
	}
}

func validateHomeAssistant(h HomeAssistant) Problems {
	if !h.Enabled {
		return nil
	}
	if msg := topicProblem(h.DiscoveryPrefix); msg != "" {
		return Problems{"homeassistant.discovery_prefix: " + msg}
	}
	return nil
}
