package mapping

import (
	"fmt"
	"strings"
)

// Named is a light or group the bridge knows: its id and its name.
type Named struct {
	ID   string
	Name string
}

// Resolve turns references into bridge ids. A name matches exactly first,
// then case-insensitively; an id must exist. The error for an unknown name
// lists what the bridge has, so the user can copy the right one.
func Resolve(kind string, refs []Ref, known []Named) ([]string, error) {
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		id, ok := resolveOne(r, known)
		if !ok {
			return nil, fmt.Errorf("%s %s not found on the bridge; it has: %s", kind, r, listNames(known))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func resolveOne(r Ref, known []Named) (string, bool) {
	if r.ID != "" {
		for _, n := range known {
			if n.ID == r.ID {
				return n.ID, true
			}
		}
		return "", false
	}
	for _, n := range known {
		if n.Name == r.Name {
			return n.ID, true
		}
	}
	for _, n := range known {
		if strings.EqualFold(n.Name, r.Name) {
			return n.ID, true
		}
	}
	return "", false
}

func listNames(known []Named) string {
	if len(known) == 0 {
		return "nothing"
	}
	parts := make([]string, len(known))
	for i, n := range known {
		parts[i] = fmt.Sprintf("%s (%q)", n.ID, n.Name)
	}
	return strings.Join(parts, ", ")
}
