package gateway_test

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// soakFault is one step of the soak's fault cycle: it starts a fault and
// returns what ends it.
type soakFault struct {
	name  string
	start func(s *stack) (end func())
}

func bridgeFault(f emulator.Fault) soakFault {
	return soakFault{f.String(), func(s *stack) func() {
		s.bridge.Bridge.SetFault(f)
		return func() { s.bridge.Bridge.SetFault(emulator.FaultNone) }
	}}
}

var soakFaults = []soakFault{
	bridgeFault(emulator.FaultHTTP429),
	{"bridge down", func(s *stack) func() {
		s.bridge.Stop()
		return func() { _ = s.bridge.Restart() }
	}},
	bridgeFault(emulator.FaultHang),
	bridgeFault(emulator.FaultReset),
	{"broker killed", func(s *stack) func() {
		s.broker.Kill()
		return s.broker.Restart
	}},
	bridgeFault(emulator.FaultBadJSON),
	bridgeFault(emulator.FaultHugeBody),
	{"slow bridge", func(s *stack) func() {
		s.bridge.Bridge.SetLatency(800 * time.Millisecond)
		return func() { s.bridge.Bridge.SetLatency(5 * time.Millisecond) }
	}},
	bridgeFault(emulator.FaultHTTP503),
	bridgeFault(emulator.FaultPartial),
}

type soakSample struct {
	at         time.Duration
	goroutines int
	heap       uint64
}

// TestSoak runs mixed traffic (two mapped topics, a group, junk, changes
// made in the Hue app) through a cycle of bridge and broker faults for
// HUEGATE_SOAK (make soak: 10m), and checks that goroutines and heap stay
// flat, the budget holds throughout, and the last values land. make test
// skips it.
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("HUEGATE_SOAK"))
	if err != nil || d <= 0 {
		t.Skip("set HUEGATE_SOAK (e.g. 10m) to run the soak; make soak does")
	}
	ms := []mapping.Mapping{
		deskMapping(),
		{Topic: "knob", Lights: []mapping.Ref{{ID: "7"}}, Range: mapping.Range{Min: 0, Max: 1023}, Debounce: 50 * time.Millisecond},
		// A group of other lights: two mappings driving one light have no
		// order between them, and the test could not say which value wins.
		{Topic: "room", Groups: []mapping.Ref{{Name: "Kitchen"}}, Range: mapping.DefaultRange},
	}
	const rate = 10
	st := stateOn(500 * time.Millisecond).state
	sends := &sendTimes{}
	s := newStack(t, ms, stackOptions{lightRate: rate, state: st, log: &lineLog{}, wrap: sends.wrap,
		brokerConf: []string{"max_queued_messages 0"},
		bridgeOpt:  []emulator.Option{emulator.WithEventStream(), emulator.WithLatency(5 * time.Millisecond)}})
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	rng := rand.New(rand.NewPCG(1, 2))

	const phase = 15 * time.Second
	start := time.Now()
	var samples []soakSample
	nextSample, nextPhase, faultIdx := start, start.Add(phase), 0
	var end func()
	for time.Since(start) < d {
		now := time.Now()
		if !now.Before(nextPhase) {
			if end != nil {
				end()
				end = nil
				t.Logf("%v: healed", now.Sub(start).Round(time.Second))
			} else {
				f := soakFaults[faultIdx%len(soakFaults)]
				faultIdx++
				end = f.start(s)
				t.Logf("%v: %s", now.Sub(start).Round(time.Second), f.name)
				if f.name == "broker killed" {
					end()
					end = nil
					testkit.Eventually(t, 10*time.Second, "huegate to reconnect", s.client.Connected)
					testkit.Eventually(t, 10*time.Second, "the publisher to reconnect", pub.Connected)
				}
			}
			nextPhase = now.Add(phase)
		}
		if !now.Before(nextSample) {
			checkBudget(t, s, sends, rate)
			samples = append(samples, sample(now.Sub(start)))
			last := samples[len(samples)-1]
			received, coalesced, ok, failed, _ := s.events.snapshot()
			t.Logf("%v: %d goroutines, heap %d KiB; %d messages, %d coalesced, %d sent, %d failed",
				last.at.Round(time.Second), last.goroutines, last.heap>>10, received, coalesced, ok, failed)
			nextSample = now.Add(10 * time.Second)
		}
		soakTraffic(t, s, pub, rng)
		time.Sleep(20 * time.Millisecond) // the traffic's pace
	}
	if end != nil {
		end()
	}
	testkit.Eventually(t, 10*time.Second, "huegate connected", s.client.Connected)
	testkit.Eventually(t, 10*time.Second, "the publisher connected", pub.Connected)
	pub.Publish("lights", []byte("201"), 1, false)
	pub.Publish("knob", []byte("1023"), 1, false)
	pub.Publish("room", []byte("40%"), 1, false)
	for _, id := range []string{"3", "5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.On && l.Bri == 201 })
	}
	s.waitLight(t, "7", func(l emulator.LightState) bool { return l.On && l.Bri == 254 })
	s.waitLight(t, "1", func(l emulator.LightState) bool { return l.On && l.Bri == 102 })
	checkBudget(t, s, sends, rate)
	assertFlat(t, samples)
	t.Logf("1 s windows where commands reached the bridge closer together than huegate sent them (scheduling on a loaded machine): %d", sends.jittered)
}

// soakTraffic publishes one round: a value most of the time, sometimes the
// knob, the room, junk, or a change made in the Hue app.
func soakTraffic(t *testing.T, s *stack, pub *mqtttest.Publisher, rng *rand.Rand) {
	switch n := rng.IntN(100); {
	case n < 60:
		pub.Publish("lights", []byte(itoa(rng.IntN(255))), 1, false)
	case n < 80:
		pub.Publish("knob", []byte(itoa(rng.IntN(1024))), 1, false)
	case n < 85:
		pub.Publish("room", []byte(itoa(rng.IntN(255))+"%"), 1, false)
	case n < 97:
		pub.Publish("lights", junk[rng.IntN(len(junk))], 1, false)
	default:
		_ = s.bridge.Bridge.SetLightState("12", map[string]any{"bri": 1 + rng.IntN(254)})
	}
}

// checkBudget checks the light commands huegate sent since the last check
// against the budget, at the moment each left huegate: requests can reach
// the bridge closer together than they left on a loaded machine, which is
// counted, not failed. Then it empties the bridge's log so it does not grow
// for the whole soak.
func checkBudget(t *testing.T, s *stack, sends *sendTimes, rate int) {
	t.Helper()
	if n := maxPerWindow(sends.take(), time.Second); n > rate+1 {
		t.Errorf("huegate sent %d light commands in one second; the budget is %d", n, rate)
	}
	var lights, groups []emulator.Request
	for _, c := range s.bridge.Bridge.Commands() {
		if strings.HasSuffix(c.Path, "/action") {
			groups = append(groups, c)
		} else {
			lights = append(lights, c)
		}
	}
	if n := maxPerWindow(lights, time.Second); n > rate+1 {
		sends.jittered++
	}
	if n := maxPerWindow(lights, 5*time.Second); n > 5*rate+1 {
		t.Errorf("%d light commands reached the bridge in 5 s; the budget is %d", n, 5*rate)
	}
	if n := maxPerWindow(groups, 5*time.Second); n > 5+1 {
		t.Errorf("%d group commands reached the bridge in 5 s; the budget is 5", n)
	}
	s.bridge.Bridge.ResetLog()
}

// sendTimes records when each light command left huegate (after the token
// bucket, before the request).
type sendTimes struct {
	mu       sync.Mutex
	times    []emulator.Request
	jittered int
}

func (r *sendTimes) wrap(c *hue.Client) gateway.Bridge { return &recordingBridge{Client: c, r: r} }

func (r *sendTimes) take() []emulator.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.times
	r.times = nil
	return out
}

type recordingBridge struct {
	*hue.Client
	r *sendTimes
}

func (b *recordingBridge) SetLight(ctx context.Context, id string, st hue.State) error {
	b.r.mu.Lock()
	b.r.times = append(b.r.times, emulator.Request{Time: time.Now()})
	b.r.mu.Unlock()
	return b.Client.SetLight(ctx, id, st)
}

func sample(at time.Duration) soakSample {
	heap := heapInUse()
	return soakSample{at: at, goroutines: runtime.NumGoroutine(), heap: heap}
}

// assertFlat compares the last third of the samples with the first third
// after a minute's warm-up: a leak grows steadily; the noise of faults
// coming and going does not.
func assertFlat(t *testing.T, samples []soakSample) {
	t.Helper()
	var warm []soakSample
	for _, x := range samples {
		if x.at >= time.Minute {
			warm = append(warm, x)
		}
	}
	if len(warm) < 6 {
		t.Logf("too short to judge flatness (%d samples after warm-up)", len(warm))
		return
	}
	third := len(warm) / 3
	early, late := warm[:third], warm[len(warm)-third:]
	g0, g1 := median(early, func(x soakSample) uint64 { return uint64(x.goroutines) }), median(late, func(x soakSample) uint64 { return uint64(x.goroutines) })
	h0, h1 := median(early, func(x soakSample) uint64 { return x.heap }), median(late, func(x soakSample) uint64 { return x.heap })
	t.Logf("goroutines: median %d early, %d late; heap: median %d KiB early, %d KiB late", g0, g1, h0>>10, h1>>10)
	if g1 > g0+5 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	if h1 > h0+h0/2+2<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB", h0>>10, h1>>10)
	}
}

func median(xs []soakSample, f func(soakSample) uint64) uint64 {
	v := make([]uint64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	slices.Sort(v)
	return v[len(v)/2]
}
