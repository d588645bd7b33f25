package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Guessing the token is slow: after failedBurst wrong tokens even the right
// one is refused until the budget refills, while a browser already logged
// in (its cookie) keeps working.
func TestWrongTokensAreLimited(t *testing.T) {
	const token = "right-token-0123456789"
	p := New(Options{Broker: nopBroker{}, Token: token})
	defer p.Close()
	h := p.Handler()
	get := func(header, value string) int {
		req := httptest.NewRequest(http.MethodGet, "http://huegate.lan:8081/", nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := get("Authorization", "Bearer "+token); code != http.StatusOK {
		t.Fatalf("the right token: %d", code)
	}
	for range failedBurst {
		if code := get("Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
			t.Fatalf("a wrong token: %d", code)
		}
	}
	if code := get("Authorization", "Bearer "+token); code != http.StatusUnauthorized {
		t.Errorf("the right token right after %d wrong ones: %d, want 401", failedBurst, code)
	}
	if code := get("Cookie", cookieName+"="+p.cookieValue()); code != http.StatusOK {
		t.Errorf("a logged-in browser during the guessing: %d, want 200", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for get("Authorization", "Bearer "+token) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the right token is still refused 5 s after the guessing stopped")
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
}
