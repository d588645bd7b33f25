package emulator

import "time"

// rateWindow is the trailing window the command ceiling counts over.
const rateWindow = time.Second

// SetRate sets a command ceiling: once n commands (PUTs to a light's state
// or a group's action) were accepted within the trailing second, further
// ones are answered 429 with an HTML page and not applied, as newer bridge
// firmware does. 0 removes the ceiling.
func (b *Bridge) SetRate(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rate = n
}

// admit reports whether a command may run now and counts it if so. Refused
// commands do not count, so a client that keeps retrying gets through as
// soon as the window has room again.
func (b *Bridge) admit() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	cutoff := now.Add(-rateWindow)
	kept := b.recentCmds[:0]
	for _, t := range b.recentCmds {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	b.recentCmds = kept
	if b.rate > 0 && len(kept) >= b.rate {
		return false
	}
	b.recentCmds = append(b.recentCmds, now)
	return true
}
