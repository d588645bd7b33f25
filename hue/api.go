package hue

// ValidAPI reports whether s can be a bridge.api: auto (or empty), v1 or v2.
func ValidAPI(s string) bool {
	switch s {
	case "", "auto", "v1", "v2":
		return true
	}
	return false
}
