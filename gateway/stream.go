package gateway

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/entertainment"
	"github.com/huegate/huegate/mapping"
	"github.com/rs/zerolog"
)

// Stream timing. A frame goes out every frameEvery while values change and
// for hotFor after the last change (UDP may drop any one frame, so the
// final picture is repeated), then one every keepAlive until the mapping's
// stream_idle passes, well inside the bridge's 10 s silence limit.
const (
	frameEvery  = 20 * time.Millisecond // 50 frames/s
	hotFor      = time.Second
	keepAlive   = 500 * time.Millisecond
	openTimeout = 5 * time.Second // start, handshake and the reads before them
	retryStream = 30 * time.Second
	checkEvery  = 2 * time.Second // asking the bridge whether the stream still runs
)

// d65 is the white point a light without a colour streams with.
var d65 = [2]float64{0.3127, 0.3290}

// areaStream carries one entertainment area's values to its lights over the
// Entertainment stream: the first value starts the area, frames carry the
// newest picture, and after idle without a change the area is stopped and
// the final value is sent to each light over REST. When the area cannot
// stream, values go to the lights' slots as for any mapping.
type areaStream struct {
	pool   *pool
	area   hue.Area
	lights []string         // the area's lights, each once
	slots  map[string]*slot // each light's REST slot: fallback and the final value
	idle   time.Duration
	log    zerolog.Logger

	mu      sync.Mutex
	base    map[string]hue.State // each light as last read or left by a stream
	cmd     map[string]hue.State // commands not yet carried over to REST
	changed time.Time            // arrival of the newest value
	session chan struct{}        // closed when the running session ends; nil if none
	retryAt time.Time            // values go over REST until then, after a failure
	warned  map[hue.Cause]bool   // causes already logged since the last success
	// recoloured: lights whose streamed colour an OFF moved into base; the
	// final REST command carries it.
	recoloured map[string]bool
	live       bool // the running session's stream is open
	// active is set while a session runs (read by pool.busy, which holds
	// pool.mu and so may not take s.mu).
	active   atomic.Bool
	retrying bool // the last session failed: the next sends over REST too until live
	closed   bool
	quit     chan struct{} // closed by shutdown
}

func newAreaStream(p *pool, a hue.Area, idle time.Duration) *areaStream {
	s := &areaStream{
		pool: p, area: a, idle: idle,
		slots:      make(map[string]*slot),
		base:       make(map[string]hue.State),
		cmd:        make(map[string]hue.State),
		warned:     make(map[hue.Cause]bool),
		recoloured: make(map[string]bool),
		quit:       make(chan struct{}),
		log:        p.log.With().Str("area", a.Name).Logger(),
	}
	s.lights = a.Lights() // once: set runs for every message
	for _, l := range s.lights {
		s.slots[l] = p.slot(kindLight, l)
	}
	return s
}

// set takes a value for every light of the area. It never blocks: it
// records the value and wakes (or starts) the session. It reports false
// when the area is not streaming for now; the caller then sends over REST.
func (s *areaStream) set(st hue.State, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == nil {
		if s.closed || now.Before(s.retryAt) {
			return false
		}
		done := make(chan struct{})
		s.session = done
		s.active.Store(true)
		s.pool.sessions.Add(1)
		s.pool.spawn(func(ctx context.Context) { s.run(ctx, done) })
	}
	// While a session runs, even one that is stopping, every value joins
	// its picture: the session hands the newest to REST when it ends, so
	// no older picture can land after a newer value.
	for _, l := range s.lights {
		s.merge(l, st, now)
	}
	return s.takes()
}

// takes reports whether the session carries values without REST: it is
// live, or it is a first try. A try after a failure sends values over REST
// too until it is live, so a handshake that never answers costs no value
// its timeout. Callers hold s.mu.
func (s *areaStream) takes() bool { return s.live || !s.retrying }

// take is a command for one light while the area streams: it joins the
// picture. It reports false when the area is not streaming or lacks the
// light.
func (s *areaStream) take(light string, st hue.State, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == nil || s.slots[light] == nil {
		return false
	}
	s.merge(light, st, now)
	return s.takes()
}

// merge adds st to a light's picture. Callers hold s.mu.
func (s *areaStream) merge(light string, st hue.State, now time.Time) {
	c := s.cmd[light]
	if st.Has(hue.FieldOn) && !st.On {
		s.keepColour(light, c)
	}
	c.Merge(st)
	s.cmd[light] = c
	s.changed = now
}

// run is one session: open, stream until idle, stop.
func (s *areaStream) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	st, err := s.open(ctx)
	if err != nil {
		s.fail(err)
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	ended := make(chan error, 1)
	watched := make(chan struct{})
	go func() { defer close(watched); watch(ctx, st, ended) }()
	err = s.pump(ctx, st, ended)
	cancel()
	<-watched
	s.finish(st, err)
}

// watch asks the bridge every checkEvery whether the stream still runs, and
// reports on ended when the bridge says it does not. Not getting an answer
// ends nothing: the bridge may be busy, and REST would not land either.
func watch(ctx context.Context, st *hue.AreaStream, ended chan<- error) {
	t := time.NewTicker(checkEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, checkEvery)
		err := st.Check(cctx)
		cancel()
		var se *hue.StreamError
		if errors.As(err, &se) {
			ended <- err
			return
		}
	}
}

func (s *areaStream) open(ctx context.Context) (*hue.AreaStream, error) {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if err := s.readLights(ctx); err != nil {
		return nil, err
	}
	st, err := s.pool.bridge.OpenArea(ctx, s.area.ID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	clear(s.warned)
	s.live, s.retrying = true, false
	s.mu.Unlock()
	s.log.Info().Msg("streaming to entertainment area")
	return st, nil
}

// readLights takes each light's state as the base of the picture, so a
// brightness-only value keeps the light's colour.
func (s *areaStream) readLights(ctx context.Context) error {
	lights, err := s.pool.bridge.Lights(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range lights {
		if _, ok := s.slots[l.ID]; !ok {
			continue
		}
		// A light whose final value from the last session is still on its
		// way over REST shows that value, which base holds, not the read.
		if _, have := s.base[l.ID]; have && s.pool.slotBusy(kindLight, l.ID) {
			continue
		}
		s.base[l.ID] = baseOf(l.State)
	}
	return nil
}

// baseOf is a light's read state as a picture: on, brightness and xy. A
// colour light reports xy whatever its mode; a white-ambiance light only
// its colour temperature; a white light nothing (D65).
func baseOf(ls hue.LightState) hue.State {
	st := hue.State{Fields: hue.FieldOn | hue.FieldBri | hue.FieldXY, On: ls.On, Bri: ls.Bri, Brightness: ls.Brightness, XY: d65}
	switch {
	case len(ls.XY) == 2:
		st.XY = [2]float64{float64(ls.XY[0]), float64(ls.XY[1])}
	case ls.CT > 0:
		st.XY[0], st.XY[1] = mapping.MiredToXY(float64(ls.CT))
	}
	return st
}

// pump sends frames until the area has been idle, the stream fails or the
// gateway stops.
func (s *areaStream) pump(ctx context.Context, st *hue.AreaStream, ended <-chan error) error {
	t := time.NewTicker(frameEvery)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-ended:
			return err
		case <-s.quit:
			return errStopping
		case now := <-t.C:
			chs, changed, idle := s.frame(now)
			if idle {
				return nil
			}
			if now.Sub(changed) >= hotFor && now.Sub(last) < keepAlive {
				continue
			}
			if err := st.Send(chs); err != nil {
				return err
			}
			last = now
		}
	}
}

// frame is the picture now; idle says the area has been quiet for idle, in
// which case the session is over: a value that arrives while it stops goes
// over REST with the final ones, and the next starts a new session.
func (s *areaStream) frame(now time.Time) (chs []entertainment.Channel, changed time.Time, idle bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.changed) >= s.idle {
		return nil, s.changed, true
	}
	for _, ch := range s.area.Channels {
		if len(ch.Lights) == 0 {
			continue
		}
		chs = append(chs, s.channel(ch.ID, ch.Lights[0]))
	}
	return chs, s.changed, false
}

// keepColour moves a colour the stream has shown into the light's base
// before an OFF drops it from the pending command (an off light refuses
// colour over REST): the light keeps it, as a light switched off over REST
// keeps its colour, and the next brightness shows it. The final REST
// command then carries it, or the bridge would bring back the colour from
// before. Callers hold s.mu.
func (s *areaStream) keepColour(light string, c hue.State) {
	if !c.Has(hue.FieldXY | hue.FieldCT | hue.FieldHue | hue.FieldSat) {
		return
	}
	b := s.picture(light)
	b.Fields |= hue.FieldXY
	b.XY = pictureXY(b)
	b.Fields &^= hue.FieldCT | hue.FieldHue | hue.FieldSat
	s.base[light] = b
	s.recoloured[light] = true
}

// picture is a light's base merged with what was sent since. Callers hold
// s.mu.
func (s *areaStream) picture(light string) hue.State {
	p := s.base[light]
	if p.Fields == 0 {
		p = hue.State{Fields: hue.FieldOn | hue.FieldXY, On: true, XY: d65}
	}
	p.Merge(s.cmd[light])
	return p
}

// pictureXY is a picture's colour as xy, whichever way it was given.
func pictureXY(p hue.State) [2]float64 {
	xy := p.XY
	switch {
	case p.Has(hue.FieldXY):
	case p.Has(hue.FieldCT):
		xy[0], xy[1] = mapping.MiredToXY(float64(p.CT))
	case p.Has(hue.FieldHue):
		if x, y, ok := mapping.HSToXY(float64(p.Hue), float64(p.Sat)); ok {
			xy = [2]float64{x, y}
		}
	}
	return xy
}

// channel is one light's picture as a frame's channel. Callers hold s.mu.
func (s *areaStream) channel(id uint8, light string) entertainment.Channel {
	p := s.picture(light)
	xy := pictureXY(p)
	bri := 0.0
	if p.On {
		bri = p.Percent() / 100
	}
	return entertainment.Channel{ID: id, A: entertainment.Unit(xy[0]), B: entertainment.Unit(xy[1]), C: entertainment.Unit(bri)}
}

// fail is a session that could not open: one log line per cause, REST for
// a while, and the newest value over REST now.
func (s *areaStream) fail(err error) {
	var se *hue.StreamError
	cause := hue.Cause("bridge")
	if errors.As(err, &se) {
		cause = se.Cause
	}
	s.mu.Lock()
	logIt := !s.warned[cause]
	s.warned[cause] = true
	sent := s.retrying // a retry sent every value over REST already
	s.mu.Unlock()
	if logIt {
		s.log.Warn().Err(err).Msg("cannot stream to the entertainment area; values go over REST")
	}
	s.toREST(true, !sent)
}

// finish ends a session: close the stream, stop the area, and send each
// light its final value over REST, so the bridge's state (and the Hue app)
// shows what the lights show.
func (s *areaStream) finish(st *hue.AreaStream, err error) {
	failed := err != nil && !stopping(err)
	if failed {
		s.log.Warn().Err(err).Msg("the stream to the entertainment area failed; values go over REST")
	}
	s.mu.Lock()
	s.live = false
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	if e := st.Close(ctx); e != nil {
		s.log.Warn().Err(e).Msg("stopping the entertainment area failed")
	} else {
		s.log.Info().Str("why", stopReason(err)).Msg("entertainment area stopped")
	}
	s.toREST(failed, true)
}

// errStopping ends a session because the gateway stops.
var errStopping = errors.New("huegate is stopping")

func stopping(err error) bool {
	return errors.Is(err, errStopping) || errors.Is(err, context.Canceled)
}

// stopReason says in the stop line why a session ended: a user watching the
// log should not have to guess whether stream_idle or a failure ended it.
func stopReason(err error) string {
	switch {
	case err == nil:
		return "no change for stream_idle"
	case stopping(err):
		return "shutting down"
	default:
		return "the stream failed"
	}
}

// toREST ends the session: the commands not yet sent over REST go into the
// lights' slots (unless send is false: they went already), and the next
// value starts a new session, after retryStream if this one failed. All of
// it under s.mu, so a value arriving meanwhile joins these commands or
// comes after them, never before.
func (s *areaStream) toREST(failed, send bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := s.cmd
	s.cmd = make(map[string]hue.State, len(cmds))
	for l, c := range cmds {
		if s.recoloured[l] && c.Has(hue.FieldOn) && c.On && !c.Has(hue.FieldXY|hue.FieldCT|hue.FieldHue|hue.FieldSat) {
			c.Fields |= hue.FieldXY
			c.XY = s.base[l].XY
			cmds[l] = c
		}
		b := s.base[l]
		b.Merge(c)
		s.base[l] = b
	}
	clear(s.recoloured)
	now := time.Now()
	for l, c := range cmds {
		if sl := s.slots[l]; sl != nil && send {
			s.pool.set(sl, c, 0, now) // takes pool.mu: allowed under s.mu
		}
	}
	s.session, s.live, s.retrying = nil, false, failed
	s.active.Store(false)
	s.pool.sessions.Add(-1)
	if failed {
		s.retryAt = now.Add(retryStream)
	}
}

// shutdown ends a running session (its final values land in the slots,
// which the pool's flush then sends) and takes no more values.
func (s *areaStream) shutdown(ctx context.Context) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.quit)
	done := s.session
	s.mu.Unlock()
	if done == nil {
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
}
