package gateway

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// kind says whether a slot drives a light or a group; they have separate
// budgets on the bridge.
type kind uint8

const (
	kindLight kind = iota
	kindGroup
)

func (k kind) String() string {
	if k == kindGroup {
		return "group"
	}
	return "light"
}

// slot holds one light's (or group's) newest desired state. It never holds
// history: a newer value replaces an older one that has not been sent.
type slot struct {
	kind kind
	id   string

	// Guarded by pool.mu.
	want     hue.State // fields not sent yet; cleared when a worker takes them
	sending  hue.State // what the worker in flight sends
	dirty    bool      // want has not been sent yet
	queued   bool      // in the pool's FIFO
	inflight bool      // a worker owns it (waiting for budget or sending)
	waiting  bool      // a debounce timer will queue it
	first    time.Time // first unsent message since the last send, caps debounce
	newest   time.Time // arrival of the newest value, for latency
	timer    *time.Timer
}

// pool sends slots to one bridge: a FIFO of dirty slots, a few workers, and
// one token bucket per budget shared by all of them.
type pool struct {
	bridge  Bridge
	lights  *rate.Limiter
	window  *window // the light budget in every second, as the bridge counts
	groups  *rate.Limiter
	workers int
	log     zerolog.Logger
	events  Events
	warn    *rateLog
	state   *bridgeState // nil when state is not published

	lightTurns, groupTurns turns // workers take each budget in the order they came

	mu      sync.Mutex
	slots   map[slotKey]*slot
	fifo    []*slot
	ready   chan struct{} // "the FIFO may have work", capacity 1
	idle    chan struct{} // closed and replaced whenever nothing is pending
	pending int           // slots dirty, queued, in flight or waiting
	pause   pauser

	areas map[string]*areaStream // by area id; live as long as the pool
	// sessions counts the areas with a session running, so the message
	// path asks the areas only while one streams.
	sessions atomic.Int32
	ctx      context.Context // the workers' context, for area sessions
	wg       *sync.WaitGroup // the gateway's workers, which Shutdown waits for
}

type slotKey struct {
	kind kind
	id   string
}

func newPool(b Bridge, cfg BridgeOptions, log zerolog.Logger, ev Events) *pool {
	return &pool{
		bridge:  b,
		lights:  rate.NewLimiter(rate.Limit(cfg.LightRate), 1),
		window:  lightWindow(cfg.LightRate),
		groups:  rate.NewLimiter(rate.Limit(cfg.GroupRate), 1),
		workers: cfg.Workers,
		log:     log,
		events:  ev,
		warn:    newRateLog(log, 5, 10*time.Second),
		slots:   make(map[slotKey]*slot),
		areas:   make(map[string]*areaStream),
		ready:   make(chan struct{}, 1),
		idle:    make(chan struct{}),
		pause:   pauser{min: 100 * time.Millisecond, max: time.Second},
	}
}

// slot returns the slot for a light or group, creating it once. Slots live as
// long as the pool, so a reload that keeps a light keeps its pending value.
func (p *pool) slot(k kind, id string) *slot {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := slotKey{k, id}
	s := p.slots[key]
	if s == nil {
		s = &slot{kind: k, id: id}
		p.slots[key] = s
	}
	return s
}

// set stores st as the slot's newest desired state. It never blocks on the
// bridge: it only takes the pool's mutex for a few field writes. It reports
// whether an unsent value was superseded.
func (p *pool) set(s *slot, st hue.State, debounce time.Duration, now time.Time) (coalesced bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	coalesced = s.dirty
	if !s.busy() {
		p.pending++
	}
	s.want.Merge(st)
	s.dirty = true
	s.newest = now
	if debounce > 0 {
		p.debounce(s, debounce, now)
		return coalesced
	}
	if !s.queued && !s.inflight && !s.waiting {
		p.enqueue(s)
	}
	return coalesced
}

func (s *slot) busy() bool { return s.dirty || s.queued || s.inflight || s.waiting }

// debounce holds the slot until its topic has been quiet for d, but no longer
// than 4×d after the first held value, so a knob turned forever still moves
// the light.
func (p *pool) debounce(s *slot, d time.Duration, now time.Time) {
	if !s.waiting {
		s.first = now
	}
	wait := min(d, s.first.Add(4*d).Sub(now))
	s.waiting = true
	if s.timer == nil {
		s.timer = time.AfterFunc(wait, func() { p.release(s) })
		return
	}
	s.timer.Reset(wait)
}

func (p *pool) release(s *slot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.waiting = false
	if s.dirty && !s.queued && !s.inflight {
		p.enqueue(s)
	}
	p.settle(s)
}

// enqueue appends s to the FIFO and wakes a worker. Callers hold p.mu.
func (p *pool) enqueue(s *slot) {
	s.queued = true
	p.fifo = append(p.fifo, s)
	select {
	case p.ready <- struct{}{}:
	default:
	}
}

// settle updates the pending count once a slot has nothing left to do, and
// wakes Flush when the whole pool is idle. Callers hold p.mu.
func (p *pool) settle(s *slot) {
	if s.busy() {
		return
	}
	p.pending--
	if p.pending == 0 {
		close(p.idle)
		p.idle = make(chan struct{})
	}
}

// next takes the oldest queued slot and marks it in flight; it blocks until
// one is queued or ctx ends.
func (p *pool) next(ctx context.Context) *slot {
	for {
		p.mu.Lock()
		if len(p.fifo) > 0 {
			s := p.fifo[0]
			p.fifo[0] = nil
			p.fifo = p.fifo[1:]
			s.queued, s.inflight = false, true
			if len(p.fifo) > 0 { // pass the wake-up on to the next worker
				select {
				case p.ready <- struct{}{}:
				default:
				}
			}
			p.mu.Unlock()
			return s
		}
		p.mu.Unlock()
		select {
		case <-p.ready:
		case <-ctx.Done():
			return nil
		}
	}
}

// take snapshots the slot's newest state at the moment of sending, so a
// value that arrived while the worker waited for budget is the one sent.
// The fields taken are cleared: the next command carries only what is asked
// after this one, so a colour sent once is not sent again with every later
// brightness, over changes made in the Hue app since.
func (p *pool) take(s *slot) (hue.State, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := s.want
	s.sending, s.want = st, hue.State{}
	s.dirty = false
	return st, s.newest
}

// finish records a send's outcome. On a retryable failure the slot is
// dirty again with what failed under anything newer, so the newest value
// (not necessarily the one that failed) is resent after the bridge-wide
// pause; after a timeout that is what stops a stale in-flight command from
// being the last to land.
func (p *pool) finish(s *slot, sent hue.State, retry bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.inflight = false
	s.sending = hue.State{}
	if retry {
		sent.Merge(s.want)
		s.want = sent
		s.dirty = true
	}
	if s.dirty && !s.waiting {
		p.enqueue(s)
	}
	p.settle(s)
}

// requeue puts back a slot whose worker stopped before sending.
func (p *pool) requeue(s *slot) {
	p.finish(s, hue.State{}, false)
}

// run is one worker: take a slot, wait for the bridge to be healthy and for
// budget, send the newest value.
func (p *pool) run(ctx context.Context) {
	for {
		s := p.next(ctx)
		if s == nil {
			return
		}
		place, err := p.wait(ctx, s)
		if err != nil {
			p.requeue(s)
			return
		}
		p.send(ctx, s)
		if place >= 0 {
			p.window.release(place)
		}
	}
}

// wait returns once s may be sent, with the light window's place it took
// (-1 for a group).
func (p *pool) wait(ctx context.Context, s *slot) (int, error) {
	t := &p.lightTurns
	if s.kind == kindGroup {
		t = &p.groupTurns
	}
	done, err := t.wait(ctx)
	if err != nil {
		return -1, err
	}
	defer done()
	for {
		if err := p.pause.wait(ctx); err != nil {
			return -1, err
		}
		lim := p.lights
		if s.kind == kindGroup {
			lim = p.groups
		}
		if err := takeToken(ctx, lim); err != nil {
			return -1, err
		}
		// Another worker's request may have failed while this one waited
		// for budget: then it waits out the new pause too, so a dead bridge
		// gets one probe per pause, not one per worker.
		if !p.pause.paused() {
			break
		}
	}
	if s.kind == kindGroup {
		return -1, nil
	}
	return p.window.acquire(ctx)
}

func (p *pool) send(ctx context.Context, s *slot) {
	st, newest := p.take(s)
	if s.kind == kindLight && p.state != nil {
		st = p.state.supported(s.id, st)
	}
	var err error
	if s.kind == kindGroup {
		err = p.bridge.SetGroup(ctx, s.id, st)
	} else {
		err = p.bridge.SetLight(ctx, s.id, st)
	}
	retry := p.outcome(s, st, newest, err)
	p.finish(s, st, retry)
}

// outcome logs and reports a send, adjusts the bridge-wide pause and says
// whether the slot must be sent again.
func (p *pool) outcome(s *slot, st hue.State, newest time.Time, err error) (retry bool) {
	p.events.Sent(s.kind.String(), s.id, st, newest, err)
	if p.state != nil {
		p.state.commandDone(s.kind, s.id, st, err)
	}
	if err == nil {
		p.pause.reset()
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false // shutting down: huegate abandoned the command, the bridge did not refuse it
	}
	if hue.Unusable(err) {
		d := p.pause.fail()
		ev := p.warn.Warn()
		if !hue.Retryable(err) {
			ev = p.warn.Error() // waiting alone will not fix it: the message says what will
		}
		ev.Err(err).Str(s.kind.String(), s.id).Dur("retry_in", d).Msg("bridge command failed; will resend the newest value")
		return true
	}
	p.pause.reset() // the bridge answered; it is the command that was wrong
	if hue.IsType(err, hue.ErrTypeUnauthorized) {
		p.warn.Error().Err(err).Msg("bridge refused the API key")
		return false
	}
	p.warn.Warn().Err(err).Str(s.kind.String(), s.id).Msg("bridge rejected the command; dropped")
	return false
}

// busy reports whether huegate has a value pending or in flight for a light
// or group.
func (p *pool) busy(k kind, id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.slots[slotKey{k, id}]
	if s != nil && s.busy() {
		return true
	}
	// A light its area streams to shows the stream, which huegate sent:
	// what a read finds there is no change from outside.
	for _, a := range p.areas {
		if k == kindLight && a.active.Load() && a.slots[id] != nil {
			return true
		}
	}
	return false
}

// slotBusy is busy for the slot alone: a command waits or is in flight.
func (p *pool) slotBusy(k kind, id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.slots[slotKey{k, id}]
	return s != nil && s.busy()
}

// intended is the on/off huegate last asked of a slot and has not seen
// confirmed yet: the pending value, else the one in flight. ok is false when
// neither says; the state mirror knows then.
func (p *pool) intended(s *slot) (on, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case s.want.Has(hue.FieldOn):
		return s.want.On, true
	case s.sending.Has(hue.FieldOn):
		return s.sending.On, true
	}
	return false, false
}

// flush waits until every slot has been sent, or ctx ends.
func (p *pool) flush(ctx context.Context) error {
	for {
		p.mu.Lock()
		n, idle := p.pending, p.idle
		p.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stopTimers stops debounce timers so none fires after shutdown.
func (p *pool) stopTimers() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.slots {
		if s.timer != nil {
			s.timer.Stop()
		}
	}
}
