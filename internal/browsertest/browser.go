// Package browsertest starts a real browser, Debian's chromium, headless,
// for tests of the control page. Without one the test is skipped, or fails
// when CI=true (.ci/run installs chromium).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// names are the browsers looked for on PATH, in order.
var names = []string{"chromium", "chromium-browser", "google-chrome", "chrome"}

// Path is the browser to run: $HUEGATE_CHROMIUM, else the first of names
// on PATH; "" when there is none.
func Path() string {
	if p := os.Getenv("HUEGATE_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless browser process; each Tab is a page in it.
type Browser struct {
	ctx context.Context
}

// Start runs a browser for the test and ends it when the test ends.
func Start(tb testing.TB) *Browser {
	tb.Helper()
	path := Path()
	if path == "" {
		msg := "browsertest: no chromium found (apt-get install chromium, or set HUEGATE_CHROMIUM)"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests may run as root, where chromium's sandbox refuses to start
		chromedp.WindowSize(1000, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// The first Run starts the browser.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		tb.Fatalf("browsertest: starting %s: %v", path, err)
	}
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return &Browser{ctx: ctx}
}

// Tab opens a new tab; every action on it must end within timeout. It is
// closed when the test ends.
func (b *Browser) Tab(tb testing.TB, timeout time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	tb.Cleanup(func() {
		cancelT()
		cancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("browsertest: new tab: %v", err)
	}
	return ctx
}
