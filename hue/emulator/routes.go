package emulator

import (
	"net/http"
	"strings"
)

func (b *Bridge) route(w http.ResponseWriter, r *http.Request, t target, body []byte) {
	switch {
	case !t.api:
		http.NotFound(w, r)
	case t.key == "" && r.Method == http.MethodPost:
		b.pair(w, body)
	case t.key == "":
		answer(w, []any{methodNotAvailable(r.Method, "/")})
	case t.key != b.key && r.Method == http.MethodGet && t.isPublicConfig():
		answer(w, b.publicConfig())
	case t.key != b.key:
		answer(w, []any{hueError(errUnauthorized, t.address(), "unauthorized user")})
	case r.Method == http.MethodGet:
		b.get(w, t.parts)
	case r.Method == http.MethodPut:
		b.put(w, t.parts, body)
	default:
		answer(w, []any{methodNotAvailable(r.Method, t.address())})
	}
}

func (b *Bridge) get(w http.ResponseWriter, parts []string) {
	b.mu.Lock()
	// Views share maps with the live state, so encode before unlocking.
	body := encode(b.view(parts))
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

func (b *Bridge) view(parts []string) any {
	address := "/" + strings.Join(parts, "/")
	switch len(parts) {
	case 0:
		return b.dumpView()
	case 1:
		if v, ok := b.collectionView(parts[0]); ok {
			return v
		}
		return []any{notAvailable(address)}
	case 2:
		if v, ok := b.itemView(parts[0], parts[1]); ok {
			return v
		}
		return []any{notAvailable(address)}
	default:
		return []any{methodNotAvailable(http.MethodGet, address)}
	}
}

func (b *Bridge) put(w http.ResponseWriter, parts []string, body []byte) {
	switch {
	case len(parts) == 3 && parts[0] == "lights" && parts[2] == "state":
		answer(w, b.putLightState(parts[1], body))
	case len(parts) == 3 && parts[0] == "groups" && parts[2] == "action":
		answer(w, b.putGroupAction(parts[1], body))
	case len(parts) == 1 && parts[0] == "config":
		answer(w, b.putConfig(body))
	default:
		answer(w, []any{methodNotAvailable(http.MethodPut, "/"+strings.Join(parts, "/"))})
	}
}
