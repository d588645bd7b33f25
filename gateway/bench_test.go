package gateway

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
	"github.com/rs/zerolog"
)

// The benchmarks measure the message path alone (parse, map, coalesce), so
// the bridge and broker here are stand-ins that cost nothing.
type benchBridge struct{ lights []hue.Light }

func (benchBridge) SetLight(context.Context, string, hue.State) error { return nil }
func (benchBridge) SetGroup(context.Context, string, hue.State) error { return nil }
func (b benchBridge) Lights(context.Context) ([]hue.Light, error)     { return b.lights, nil }
func (benchBridge) Groups(context.Context) ([]hue.Group, error)       { return nil, nil }
func (benchBridge) Scenes(context.Context) ([]hue.Scene, error)       { return nil, nil }
func (benchBridge) BridgeConfig(context.Context) (hue.BridgeConfig, error) {
	return hue.BridgeConfig{}, nil
}

// Stream has no push channel to offer: it waits for the end.
func (benchBridge) Stream(ctx context.Context, _, _ func()) error {
	<-ctx.Done()
	return ctx.Err()
}
func (benchBridge) Areas(context.Context) ([]hue.Area, error) { return nil, nil }
func (benchBridge) OpenArea(context.Context, string) (*hue.AreaStream, error) {
	return nil, errors.New("no entertainment areas")
}

type benchBroker struct{}

func (benchBroker) Subscribe(context.Context, mqtt.Handler, ...string) error { return nil }
func (benchBroker) OnConnect(func())                                         {}
func (benchBroker) Unsubscribe(context.Context, ...string) error             { return nil }
func (benchBroker) Publish(string, []byte, bool) error                       { return nil }

func benchGateway(b *testing.B, lights int) *Gateway {
	b.Helper()
	bb := benchBridge{}
	var refs []mapping.Ref
	for i := 1; i <= lights; i++ {
		id := strconv.Itoa(i)
		bb.lights = append(bb.lights, hue.Light{ID: id, Name: "light " + id})
		refs = append(refs, mapping.Ref{ID: id})
	}
	g, err := New(Options{Broker: benchBroker{}, Bridges: map[string]Bridge{"default": bb}, Log: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	ms := []mapping.Mapping{{Topic: "lights", Lights: refs, Range: mapping.Range{Min: 0, Max: 1023}, Transition: 100 * time.Millisecond}}
	if err := g.Start(context.Background(), ms); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = g.Shutdown(ctx)
	})
	return g
}

// BenchmarkHandle is one message on a topic mapped to one light: the cost
// per message that huegate adds on the MQTT client's delivery goroutine.
func BenchmarkHandle(b *testing.B) {
	g := benchGateway(b, 1)
	payloads := make([][]byte, 1024)
	for i := range payloads {
		payloads[i] = []byte(strconv.Itoa(i))
	}
	msg := mqtt.Message{Topic: "lights"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		msg.Payload = payloads[i&1023]
		g.handle(msg)
	}
}

// BenchmarkHandleRoom is one message on a topic mapped to five lights.
func BenchmarkHandleRoom(b *testing.B) {
	g := benchGateway(b, 5)
	msg := mqtt.Message{Topic: "lights", Payload: []byte("512")}
	b.ReportAllocs()
	for b.Loop() {
		g.handle(msg)
	}
}

// BenchmarkSlotSet is the coalescer alone.
func BenchmarkSlotSet(b *testing.B) {
	g := benchGateway(b, 1)
	p := g.pools["default"]
	s := p.slot(kindLight, "1")
	st := hue.State{Fields: hue.FieldOn | hue.FieldBri, On: true, Bri: 100}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		p.set(s, st, 0, now)
	}
}

// BenchmarkHandleJSON is BenchmarkHandle with a zigbee2mqtt-style payload.
func BenchmarkHandleJSON(b *testing.B) {
	g := benchGateway(b, 1)
	msg := mqtt.Message{Topic: "lights", Payload: []byte(`{"state":"ON","brightness":512}`)}
	b.ReportAllocs()
	for b.Loop() {
		g.handle(msg)
	}
}
