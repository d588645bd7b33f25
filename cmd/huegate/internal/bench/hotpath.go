package bench

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
	"github.com/rs/zerolog"
)

// HotPath is what one message costs huegate on the MQTT client's delivery
// goroutine: parse, map, coalesce into the light's slot.
type HotPath struct {
	NsPerMsg     float64
	AllocsPerMsg float64
}

// MeasureHotPath hands n messages straight to the gateway's handler, with a
// broker and a bridge that cost nothing, as BenchmarkHandle in package
// gateway does.
func MeasureHotPath(n int) (HotPath, error) {
	br := &handlerBroker{}
	gw, err := gateway.New(gateway.Options{
		Broker: br, Bridges: map[string]gateway.Bridge{"default": freeBridge{}}, Log: zerolog.Nop(),
	})
	if err != nil {
		return HotPath{}, err
	}
	ms := []mapping.Mapping{{Topic: "lights", Lights: []mapping.Ref{{ID: "1"}}, Range: mapping.DefaultRange, Transition: 100 * time.Millisecond}}
	if err := gw.Start(context.Background(), ms); err != nil {
		return HotPath{}, err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	}()
	if br.h == nil {
		return HotPath{}, errors.New("hot path: the gateway subscribed no handler")
	}
	payloads := make([][]byte, 256)
	for i := range payloads {
		payloads[i] = []byte(strconv.Itoa(i))
	}
	msg := mqtt.Message{Topic: "lights"}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := range n {
		msg.Payload = payloads[i&255]
		br.h(msg)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return HotPath{
		NsPerMsg:     round(float64(elapsed.Nanoseconds())/float64(n), 0),
		AllocsPerMsg: round(float64(after.Mallocs-before.Mallocs)/float64(n), 2),
	}, nil
}

// handlerBroker keeps the handler the gateway subscribes with.
type handlerBroker struct{ h mqtt.Handler }

func (b *handlerBroker) Subscribe(_ context.Context, h mqtt.Handler, _ ...string) error {
	b.h = h
	return nil
}
func (*handlerBroker) Unsubscribe(context.Context, ...string) error { return nil }
func (*handlerBroker) Publish(string, []byte, bool) error           { return nil }
func (*handlerBroker) OnConnect(func())                             {}

// freeBridge answers at once.
type freeBridge struct{}

func (freeBridge) SetLight(context.Context, string, hue.State) error { return nil }
func (freeBridge) SetGroup(context.Context, string, hue.State) error { return nil }
func (freeBridge) Lights(context.Context) ([]hue.Light, error) {
	return []hue.Light{{ID: "1", Name: "Bench 1"}}, nil
}
func (freeBridge) Groups(context.Context) ([]hue.Group, error) { return nil, nil }
func (freeBridge) Scenes(context.Context) ([]hue.Scene, error) { return nil, nil }
func (freeBridge) BridgeConfig(context.Context) (hue.BridgeConfig, error) {
	return hue.BridgeConfig{}, nil
}
func (freeBridge) Stream(ctx context.Context, _, _ func()) error { <-ctx.Done(); return ctx.Err() }
func (freeBridge) Areas(context.Context) ([]hue.Area, error)     { return nil, nil }
func (freeBridge) OpenArea(context.Context, string) (*hue.AreaStream, error) {
	return nil, errors.New("no entertainment areas")
}
