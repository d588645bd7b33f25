package config

// BridgeKey is the key path of a bridge in messages: "bridge" for the
// one-bridge form, "bridges.<name>" otherwise.
func (c *Config) BridgeKey(name string) string { return bridgeKey(c, name) }

// BridgeOf is the name of the bridge a mapping drives: the one it names, or
// the only one.
func (c *Config) BridgeOf(mappingBridge string) string {
	if mappingBridge != "" || len(c.Bridges) != 1 {
		return mappingBridge
	}
	for name := range c.Bridges {
		return name
	}
	return ""
}

// BridgeNames lists the bridges by name, sorted.
func (c *Config) BridgeNames() []string { return bridgeNames(c) }
