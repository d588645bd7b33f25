package embedded

import (
	"bytes"
	"crypto/subtle"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/rs/zerolog"
)

// authHook lets anonymous clients in on loopback listeners and only known
// users on the others. Mochi refuses every client until a hook allows it.
type authHook struct {
	mochi.HookBase
	open  map[string]bool   // ids of the listeners that take anonymous clients
	users map[string][]byte // password by username
	log   zerolog.Logger
}

func (h *authHook) ID() string { return "huegate-auth" }

func (h *authHook) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}

func (h *authHook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	if h.open[cl.Net.Listener] {
		return true
	}
	user := string(pk.Connect.Username)
	want, known := h.users[user]
	if known && subtle.ConstantTimeCompare(pk.Connect.Password, want) == 1 {
		return true
	}
	ev := h.log.Warn().Str("listener", cl.Net.Listener).Str("remote", cl.Net.Remote)
	if known {
		// Only a configured name is logged: a client may have typed anything.
		ev = ev.Str("username", user)
	}
	ev.Bool("known_user", known).Msg("built-in broker refused a client: unknown user or wrong password")
	return false
}

// OnACLCheck lets every connected client publish and subscribe anywhere:
// the users are people sharing one home's topics, not tenants.
func (h *authHook) OnACLCheck(*mochi.Client, string, bool) bool { return true }

func newAuthHook(open map[string]bool, users []User, log zerolog.Logger) *authHook {
	h := &authHook{open: open, users: make(map[string][]byte, len(users)), log: log}
	for _, u := range users {
		h.users[u.Username] = bytes.Clone([]byte(u.Password))
	}
	return h
}
