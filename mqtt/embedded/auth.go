package embedded

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// ownUsername is the login of huegate's own client; its password is made
// at start and known to nobody else.
const ownUsername = "$huegate"

// Failed logins from one address: failBurst at once, then one every
// failEvery. Past that, the address's logins are refused unchecked until
// its budget refills, so guessing a password costs time.
const (
	failBurst   = 10
	failEvery   = 2 * time.Second
	maxAddrs    = 4096 // addresses remembered; more start the count afresh
	refusalsLog = 10 * time.Second
)

// authHook lets anonymous clients in on loopback listeners and only known
// users on the others; only huegate's own client may use its client id and
// publish its status, states and discovery configs. Mochi refuses every
// client until a hook allows it.
type authHook struct {
	mochi.HookBase
	open        map[string]bool   // ids of the listeners that take anonymous clients
	users       map[string][]byte // password by username
	own         Own
	ownPassword []byte
	log         zerolog.Logger

	mu       sync.Mutex
	failures map[string]*rate.Limiter // by remote address, without port
	logged   time.Time                // when a refusal was last logged
	quiet    int                      // refusals not logged since
}

func newAuthHook(open map[string]bool, users []User, own Own, log zerolog.Logger) (*authHook, error) {
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("built-in broker: %w", err)
	}
	h := &authHook{open: open, users: make(map[string][]byte, len(users)), own: own, log: log,
		ownPassword: []byte(hex.EncodeToString(secret)), failures: map[string]*rate.Limiter{}}
	for _, u := range users {
		h.users[u.Username] = bytes.Clone([]byte(u.Password))
	}
	return h, nil
}

func (h *authHook) ID() string { return "huegate-auth" }

func (h *authHook) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}

func (h *authHook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	user, pass := string(pk.Connect.Username), pk.Connect.Password
	if user == ownUsername {
		if subtle.ConstantTimeCompare(pass, h.ownPassword) == 1 {
			return true
		}
		return h.refuse(cl, "", "a client logged in as huegate itself with a wrong password")
	}
	if reason := h.unowned(pk); reason != "" {
		return h.refuse(cl, "", reason)
	}
	if h.open[cl.Net.Listener] {
		return true
	}
	if !h.mayTry(cl.Net.Remote) {
		return h.refuse(cl, "", "too many failed logins from this address; refused unchecked for a while")
	}
	want, known := h.users[user]
	if known && subtle.ConstantTimeCompare(pass, want) == 1 {
		return true
	}
	h.failed(cl.Net.Remote)
	named := ""
	if known { // only a configured name is logged: a client may have typed anything
		named = user
	}
	return h.refuse(cl, named, "unknown user or wrong password")
}

// unowned says why a client may not have what its CONNECT asks for:
// huegate's client id, or a last will on huegate's topics.
func (h *authHook) unowned(pk packets.Packet) string {
	if h.own.ClientID != "" && pk.Connect.ClientIdentifier == h.own.ClientID {
		return fmt.Sprintf("a client used huegate's client id %q (mqtt.client_id), which would disconnect huegate", h.own.ClientID)
	}
	if pk.Connect.WillFlag && h.protected(pk.Connect.WillTopic) {
		return "a client's last will is on huegate's own topics"
	}
	return ""
}

// OnACLCheck lets every client read everything and write anywhere but
// huegate's own topics: the users are people sharing one home's topics,
// not tenants, but only huegate speaks for huegate.
func (h *authHook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	if !write || string(cl.Properties.Username) == ownUsername {
		return true
	}
	return !h.protected(topic)
}

// protected reports whether topic is huegate's to publish: anything under
// its prefix but the set topics, and its Home Assistant configs.
func (h *authHook) protected(topic string) bool {
	if p := h.own.Prefix; p != "" && (topic == p || strings.HasPrefix(topic, p+"/")) {
		return !strings.HasSuffix(topic, "/set")
	}
	if d := h.own.DiscoveryPrefix; d != "" {
		parts := strings.SplitN(topic, "/", 4)
		return len(parts) >= 3 && parts[0] == d && parts[2] == "huegate"
	}
	return false
}

// mayTry reports whether the address has failed logins left to try.
func (h *authHook) mayTry(remote string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.failures[addrOnly(remote)]
	return l == nil || l.Tokens() >= 1
}

func (h *authHook) failed(remote string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a := addrOnly(remote)
	l := h.failures[a]
	if l == nil {
		if len(h.failures) >= maxAddrs {
			h.failures = map[string]*rate.Limiter{}
		}
		l = rate.NewLimiter(rate.Every(failEvery), failBurst)
		h.failures[a] = l
	}
	l.Allow()
}

// refuse logs a refusal, at most one line per refusalsLog with a count of
// the ones not logged, and returns false.
func (h *authHook) refuse(cl *mochi.Client, user, reason string) bool {
	h.mu.Lock()
	now := time.Now()
	if now.Sub(h.logged) < refusalsLog {
		h.quiet++
		h.mu.Unlock()
		return false
	}
	quiet := h.quiet
	h.logged, h.quiet = now, 0
	h.mu.Unlock()
	ev := h.log.Warn().Str("listener", cl.Net.Listener).Str("remote", cl.Net.Remote)
	if user != "" {
		ev = ev.Str("username", user)
	}
	if quiet > 0 {
		ev = ev.Int("refused_since_last_line", quiet)
	}
	ev.Str("reason", reason).Msg("built-in broker refused a client")
	return false
}

func addrOnly(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
