package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

// A bridge that redirects to https at start-up is waited for, with a log
// line that says what to change, rather than an exit that a service manager
// would not restart.
func TestARedirectAtStartIsWaitedOut(t *testing.T) {
	hideEnvironment(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.Path, http.StatusMovedPermanently)
	}))
	t.Cleanup(srv.Close)
	broker := mqtttest.StartMosquitto(t)
	cfg, err := config.Parse([]byte(fmt.Sprintf("bridge: {host: %q, username: k}\nmqtt: {broker: %s}\nhttp: {listen: ''}\nmappings: [{topic: lights, lights: [1]}]\n", srv.URL, broker.URL)))
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.Buffer{}
	a, err := app.New(cfg, app.Options{Log: zerolog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(time.Second) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Start(ctx) }()
	logs.WaitCount(t, "bridge not ready", 1, 10*time.Second)
	cancel()
	err = <-done
	var ce *app.ConfigError
	if errors.As(err, &ce) || !errors.Is(err, context.Canceled) {
		t.Fatalf("start ended with %v, want it still waiting when cancelled", err)
	}
	if !strings.Contains(logs.String(), "write bridge.host without http://") {
		t.Fatalf("the log does not say what to change:\n%s", logs.String())
	}
}
