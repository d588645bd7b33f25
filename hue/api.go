package hue

// ValidAPI reports whether s can be a bridge.api: auto (or empty), v1 or v2.
func ValidAPI(s string) bool {
	switch s {
	case "", APIAuto, APIv1, APIv2:
		return true
	}
	return false
}
