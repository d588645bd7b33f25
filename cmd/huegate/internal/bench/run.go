package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Options configures a bench.
type Options struct {
	Duration  time.Duration // of each load
	Broker    string        // BrokerEmbedded, BrokerMosquitto or a broker URL
	Scenarios []Scenario
	Spawn     Spawn
	Progress  io.Writer // a line per run; nil for none
}

// Run runs every scenario against each of its systems, one at a time, each
// against a fresh world.
func Run(ctx context.Context, o Options) ([]Row, error) {
	var rows []Row
	seq := 0
	for _, sc := range o.Scenarios {
		for _, mode := range sc.Modes {
			if (mode == ModeBroker || mode == ModeMosquittoSub) && !rawCapable(o.Broker) {
				continue // the references speak plain TCP only
			}
			if mode == ModeMosquittoSub && !mosqSubInstalled() {
				continue
			}
			seq++
			if o.Progress != nil {
				fmt.Fprintf(o.Progress, "bench: %s, %s…\n", sc.Name, mode)
			}
			r, err := runOne(ctx, o, sc, mode, fmt.Sprintf("huegate-bench/%d-%d", os.Getpid(), seq))
			if err != nil {
				return rows, fmt.Errorf("%s/%s: %w", sc.Name, mode, err)
			}
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// How long each step may take before the run fails.
const (
	readyTimeout = 15 * time.Second
	stepTimeout  = 30 * time.Second
	// drainQuiet: once the load is published, the system is taken to have
	// everything the broker will deliver when nothing new arrived this long.
	drainQuiet = 500 * time.Millisecond
)

func runOne(ctx context.Context, o Options, sc Scenario, mode, prefix string) (row Row, err error) {
	w, err := o.Spawn(ctx)
	if err != nil {
		return Row{}, err
	}
	defer func() {
		if cerr := w.close(); cerr != nil && err == nil {
			err = fmt.Errorf("world: %w", cerr)
		}
	}()
	st := &setup{Scenario: sc.Name, Broker: o.Broker, Prefix: prefix, Duration: int64(o.Duration), HTTPS: mode == ModeHuegateV2 || mode == ModeHuegateStream}
	if err := w.send(command{Op: opSetup, Setup: st}); err != nil {
		return Row{}, err
	}
	ready, err := w.expect(ctx, evReady, readyTimeout, nil)
	if err != nil {
		return Row{}, err
	}
	cfg, err := systemConfig(sc, mode, ready, prefix)
	if err != nil {
		return Row{}, err
	}
	if ready.CA != "" {
		done, err := trustBridge(cfg, ready)
		if err != nil {
			return Row{}, err
		}
		defer done()
	}
	var m measured
	peakOK := freshMemory()
	sys, err := startSystem(ctx, mode, cfg)
	if err != nil {
		return Row{}, err
	}
	defer sys.stop()
	rep, err := drive(ctx, w, sc, sys, o.Duration, &m)
	if err != nil {
		return Row{}, err
	}
	m.peakOK = m.peakOK && peakOK
	return summarize(sc, mode, rep, m), nil
}

// drive runs the load, the finals and the wait for them, measuring the
// system from the start of the load until the end of the wait.
func drive(ctx context.Context, w *worldConn, sc Scenario, sys system, d time.Duration, m *measured) (*report, error) {
	m.before = sampleUsage()
	m.before.cpu, m.before.cpuOK = sys.cpu()
	start := time.Now()
	watch := newWatch(sys, start)
	if err := w.send(command{Op: opLoad}); err != nil {
		return nil, err
	}
	loaded, err := w.expect(ctx, evLoaded, d+stepTimeout, watch.tick)
	if err != nil {
		return nil, err
	}
	if err := watch.drain(ctx, int64(loaded.Published)); err != nil {
		return nil, err
	}
	m.received, m.ingestElapsed = watch.last, watch.lastAt.Sub(start)
	if sc.Finals {
		if err := settle(ctx, w, sc, sys); err != nil {
			return nil, err
		}
	}
	m.after = sampleUsage()
	m.after.cpu, m.after.cpuOK = sys.cpu()
	m.peakRSS, m.peakOK = peakRSS()
	if err := w.send(command{Op: opReport}); err != nil {
		return nil, err
	}
	rep, err := w.expect(ctx, evReport, stepTimeout, nil)
	if err != nil {
		return nil, err
	}
	return rep.Report, nil
}

// settle publishes the finals and waits until every light shows its final
// value, a streamed area has handed its lights back to REST, and the
// system has nothing left to send, or until the deadline: twice what the
// bridge's budget allows, plus a second, plus the stream's idle time in
// the area scenario.
func settle(ctx context.Context, w *worldConn, sc Scenario, sys system) error {
	if err := w.send(command{Op: opFinals}); err != nil {
		return err
	}
	if _, err := w.expect(ctx, evFinals, stepTimeout, nil); err != nil {
		return err
	}
	limit := 2*time.Duration(lowerBound(sc.Lights, bridgeRate, bridgeLatency))*time.Millisecond + time.Second
	if sc.Area {
		limit += streamIdle
	}
	deadline := time.Now().Add(limit)
	if _, err := w.expect(ctx, evLanded, limit, nil); errors.Is(err, errTimeout) {
		return nil // finals missing at the deadline: the row says so
	} else if err != nil {
		return err
	}
	for !sys.idle() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(tickEvery):
		}
	}
	return nil
}

// watch follows the count of messages the system has handled.
type watch struct {
	sys    system
	last   int64
	lastAt time.Time // when last changed
}

func newWatch(sys system, start time.Time) *watch { return &watch{sys: sys, lastAt: start} }

func (w *watch) tick() {
	if n := w.sys.received(); n != w.last {
		w.last, w.lastAt = n, time.Now()
	}
}

// drain waits until the system has handled all n messages published, or
// none arrived for drainQuiet (the broker dropped some).
func (w *watch) drain(ctx context.Context, n int64) error {
	for {
		w.tick()
		if w.last >= n || time.Since(w.lastAt) >= drainQuiet {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(tickEvery):
		}
	}
}

// rawCapable says whether the bench's own MQTT code can reach the broker:
// one the world starts, or a tcp:// URL.
func rawCapable(broker string) bool {
	b := strings.ToLower(broker)
	return b == BrokerEmbedded || b == BrokerMosquitto || strings.HasPrefix(b, "tcp://")
}
