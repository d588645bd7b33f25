package config

import (
	"fmt"
	"strings"

	"github.com/spf13/viper"
)

// sectionProblems reports sections that are not maps. `bridge: 192.168.1.2`
// would otherwise hide every key of the section behind its defaults, and each
// of them would be reported as wrong while the real mistake went unnamed.
func sectionProblems(v *viper.Viper) Problems {
	var p Problems
	check := func(key string, val any, want string) bool {
		switch val.(type) {
		case nil, map[string]any:
			return true
		}
		p = append(p, fmt.Sprintf("%s: must be %s, not %s", key, want, kindOf(val)))
		return false
	}
	settings := "a map of settings (host:, username:, ...)"
	check("bridge", v.Get("bridge"), settings)
	check("mqtt", v.Get("mqtt"), "a map of settings (broker:, username:, ...)")
	if named, ok := v.Get("bridges").(map[string]any); ok {
		for _, name := range sortedKeys(named) {
			check("bridges."+name, named[name], settings)
		}
	} else {
		check("bridges", v.Get("bridges"), "a map of bridges by name (bridges: {upstairs: {host: ...}})")
	}
	return p
}

// kindOf names a YAML value's kind without quoting it: the value may be a
// secret typed at the wrong indentation.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	case bool:
		return "true or false"
	case int, int64, uint64, float64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// secret reports whether a key holds a credential, whose value must never be
// echoed back in a problem.
func secret(key string) bool {
	return strings.HasSuffix(key, ".password") || strings.HasSuffix(key, ".username") ||
		strings.HasSuffix(key, ".clientkey") || key == "http.auth_token"
}

// underSecret reports whether key lies inside a credential's value (a map
// typed where a password belongs): its name may be the secret.
func underSecret(key string) bool {
	parts := strings.Split(key, ".")
	for i := 1; i < len(parts); i++ {
		if secret(strings.Join(parts[:i], ".")) {
			return true
		}
	}
	return false
}

// redactURL hides the user info of a URL-like string that url.Parse refused,
// so an unparsable broker URL with a password in it is not echoed whole.
func redactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return scheme + "://xxxxx@" + rest[at+1:]
	}
	return s
}
