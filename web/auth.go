package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
)

const cookieName = "huegate_page"

// guard lets a request through to h when it may use the page: with a
// token, when it carries it (cookie, bearer header or ?token=); without
// one, when it names a loopback host, so a site whose name was made to
// point at 127.0.0.1 (DNS rebinding) gets nothing.
func (p *Page) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p.opts.Token == "" {
			if !loopbackHost(r.Host) {
				http.Error(w, "huegate: the control page answers only on a loopback address (127.0.0.1, localhost) unless http.auth_token is set", http.StatusForbidden)
				return
			}
			h(w, r)
			return
		}
		if q := r.URL.Query().Get("token"); q != "" && r.URL.Path == "/" {
			p.login(w, r, q)
			return
		}
		if !p.authorized(r) {
			http.Error(w, "huegate: this page needs http.auth_token: open /?token=<the token> once, and this browser keeps it", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

// login checks a token given in the address, keeps a cookie derived from it
// (the token itself is never sent back) and sends the browser on to /, so
// the token leaves the address bar and the history.
func (p *Page) login(w http.ResponseWriter, r *http.Request, token string) {
	if !p.tokenOK(token) {
		http.Error(w, "huegate: wrong token", http.StatusUnauthorized)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: p.cookieValue(), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 400 * 24 * 3600,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// authorized takes a bearer token or the cookie, whichever is right, so a
// stale cookie does not shut out a script with the token.
func (p *Page) authorized(r *http.Request) bool {
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && p.tokenOK(bearer) {
		return true
	}
	for _, c := range r.CookiesNamed(cookieName) {
		if subtle.ConstantTimeCompare([]byte(c.Value), []byte(p.cookieValue())) == 1 {
			return true
		}
	}
	return false
}

// Wrong tokens are limited to failedRate a second (failedBurst at once),
// all addresses together; past that every token is refused until the
// budget refills, so guessing is slow. A cookie already given still works.
const (
	failedRate  = 2
	failedBurst = 20
)

// tokenOK compares in constant time.
func (p *Page) tokenOK(t string) bool {
	if p.failed.Tokens() < 1 {
		return false
	}
	a, b := sha256.Sum256([]byte(t)), sha256.Sum256([]byte(p.opts.Token))
	if subtle.ConstantTimeCompare(a[:], b[:]) == 1 {
		return true
	}
	p.failed.Allow()
	return false
}

// cookieValue stands for the token in the browser.
func (p *Page) cookieValue() string {
	sum := sha256.Sum256([]byte("huegate control page\x00" + p.opts.Token))
	return hex.EncodeToString(sum[:])
}

// loopbackHost reports whether a Host header names this machine by a
// loopback address or as localhost.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// securityHeaders keep the page to its own assets and its own socket, and
// out of other sites' frames.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}
