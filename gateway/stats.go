package gateway

// Pending is the command queue depth: how many lights and groups hold a
// value not yet sent (queued, waiting for budget or a debounce, or in
// flight), over every bridge. It never exceeds the number of mapped lights
// and groups, since each holds only its newest value.
func (g *Gateway) Pending() int {
	n := 0
	for _, p := range g.pools {
		p.mu.Lock()
		n += p.pending
		p.mu.Unlock()
	}
	return n
}
