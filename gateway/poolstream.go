package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/huegate/huegate/hue"
)

// areaStream returns the stream of an entertainment area, creating it once:
// like slots, it outlives a reload that keeps its area.
func (p *pool) areaStream(a hue.Area, idle time.Duration) *areaStream {
	p.mu.Lock()
	s := p.areas[a.ID]
	p.mu.Unlock()
	if s == nil {
		n := newAreaStream(p, a, idle) // takes p.mu for the slots
		p.mu.Lock()
		if s = p.areas[a.ID]; s == nil {
			s = n
			p.areas[a.ID] = n
		}
		p.mu.Unlock()
	}
	s.mu.Lock()
	s.idle = idle
	s.mu.Unlock()
	return s
}

// startSpawning lets area sessions run, in ctx, counted in wg.
func (p *pool) startSpawning(ctx context.Context, wg *sync.WaitGroup) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ctx, p.wg = ctx, wg
}

// spawn runs f in its own goroutine, which Shutdown waits for.
func (p *pool) spawn(f func(ctx context.Context)) {
	p.mu.Lock()
	ctx, wg := p.ctx, p.wg
	p.mu.Unlock()
	wg.Go(func() { f(ctx) })
}

// stopStreams ends every area's session, bounded by ctx.
func (p *pool) stopStreams(ctx context.Context) {
	p.mu.Lock()
	areas := make([]*areaStream, 0, len(p.areas))
	for _, s := range p.areas {
		areas = append(areas, s)
	}
	p.mu.Unlock()
	for _, s := range areas {
		s.shutdown(ctx)
	}
}

// streamLight hands a light's command to the area streaming it now, if
// any; it reports whether one took it. Areas are copied out first: an area
// takes p.mu while holding its own lock (spawn), never the other way round.
func (p *pool) streamLight(id string, st hue.State, now time.Time) bool {
	if p.sessions.Load() == 0 { // the message path's usual case: no lock
		return false
	}
	p.mu.Lock()
	if len(p.areas) == 0 {
		p.mu.Unlock()
		return false
	}
	areas := make([]*areaStream, 0, len(p.areas))
	for _, s := range p.areas {
		areas = append(areas, s)
	}
	p.mu.Unlock()
	for _, s := range areas {
		if s.take(id, st, now) {
			return true
		}
	}
	return false
}
