package emulator

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStopRefusesConnectionsAndRestartServesOnTheSamePort(t *testing.T) {
	s := serve(t, nil)
	c := newClient(t, s)
	url := s.URL
	c.put(api("lights", desk, "state"), `{"bri":42}`)

	s.Stop()
	_, err := c.try(context.Background(), "GET", api("lights"), "")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("while stopped: %v, want connection refused", err)
	}
	s.Stop() // stopping twice is harmless

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.URL != url {
		t.Errorf("URL changed from %s to %s", url, s.URL)
	}
	r := c.get(api("lights", desk))
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"bri":42`) {
		t.Errorf("after restart: %d %.120s", r.status, r.body)
	}
	if err := s.Restart(); err != nil {
		t.Errorf("restarting a running server: %v", err)
	}
}

func TestStopEndsRequestsInFlight(t *testing.T) {
	for name, opt := range map[string]Option{"hanging": WithFault(FaultHang), "delayed": WithLatency(time.Hour)} {
		t.Run(name, func(t *testing.T) {
			s := serve(t, nil, opt)
			c := newClient(t, s)
			errc := make(chan error, 1)
			go func() {
				_, err := c.try(context.Background(), "GET", api("lights"), "")
				errc <- err
			}()
			waitArrived(t, s.Bridge, 1)
			s.Stop() // returns only once the handler has returned
			if err := <-errc; err == nil {
				t.Error("the request got an answer from a stopped server")
			}
			if reqs := s.Bridge.Requests(); reqs[0].Status != 0 {
				t.Errorf("logged status %d", reqs[0].Status)
			}
		})
	}
}

func TestCloseIsFinal(t *testing.T) {
	s := serve(t, nil)
	s.Close()
	if err := s.Restart(); err == nil {
		t.Error("restarted a closed server")
	}
	s.Close() // closing twice is harmless
}

func TestStartReportsABusyAddress(t *testing.T) {
	s := serve(t, nil)
	if _, err := Start(s.Bridge, strings.TrimPrefix(s.URL, "http://")); err == nil {
		t.Error("started twice on one port")
	}
}

func TestLatencyDelaysEveryAnswer(t *testing.T) {
	const d = 100 * time.Millisecond
	s := serve(t, nil, WithLatency(d))
	c := newClient(t, s)
	for _, path := range []string{api("lights"), "/api/config"} {
		start := time.Now()
		c.get(path)
		if took := time.Since(start); took < d {
			t.Errorf("%s answered in %v, latency is %v", path, took, d)
		}
	}
}

func TestLatencyGivesUpWithTheClient(t *testing.T) {
	s := serve(t, nil)
	s.Bridge.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := newClient(t, s).try(ctx, "PUT", api("lights", desk, "state"), `{"on":false}`)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("client error %v, want deadline exceeded", err)
	}
	if err := s.Bridge.WaitRequests(timeout(t), 1); err != nil {
		t.Fatalf("the handler kept waiting for an hour: %v", err)
	}
	if !light(t, s.Bridge, desk).On {
		t.Error("a command its client gave up on was applied")
	}
}
