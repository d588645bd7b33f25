package mqtt_test

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/eclipse/paho.mqtt.golang/packets"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt"
	"github.com/rs/zerolog"
)

// Mosquitto 2.0 grants subscriptions its ACL denies (it filters on delivery),
// so this test uses a scripted broker that answers SUBACK 0x80 for "denied/...".
func TestSubscriptionRefusedByBroker(t *testing.T) {
	url := startRefusingBroker(t)
	logs := &testkit.Buffer{}
	c := newClient(t, url, func(o *mqtt.Options) {
		o.StatusTopic = ""
		o.Logger = zerolog.New(logs)
	})
	must(t, c.Subscribe(t.Context(), func(mqtt.Message) {}, "denied/early")) // refused while setting up
	must(t, c.Subscribe(t.Context(), func(mqtt.Message) {}, "allowed/x"))
	connect(t, c)
	if !strings.Contains(logs.String(), `"filters":["denied/early"]`) {
		t.Errorf("refused resubscription not logged:\n%s", logs)
	}

	err := c.Subscribe(t.Context(), func(mqtt.Message) {}, "denied/late")
	if !errors.Is(err, mqtt.ErrSubscribeRefused) || !strings.Contains(err.Error(), "denied/late") {
		t.Fatalf("Subscribe to a refused filter = %v, want ErrSubscribeRefused naming it", err)
	}
	must(t, c.Subscribe(t.Context(), func(mqtt.Message) {}, "allowed/y"))
}

// startRefusingBroker accepts MQTT connections on loopback and answers CONNECT
// and SUBSCRIBE only.
func startRefusingBroker(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveRefusing(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "tcp://" + l.Addr().String()
}

func serveRefusing(conn net.Conn) {
	defer conn.Close()
	for {
		p, err := packets.ReadPacket(conn)
		if err != nil {
			return
		}
		var reply packets.ControlPacket
		switch p := p.(type) {
		case *packets.ConnectPacket:
			reply = packets.NewControlPacket(packets.Connack)
		case *packets.SubscribePacket:
			ack := packets.NewControlPacket(packets.Suback).(*packets.SubackPacket)
			ack.MessageID = p.MessageID
			for i, topic := range p.Topics {
				code := p.Qoss[i]
				if strings.HasPrefix(topic, "denied/") {
					code = 0x80
				}
				ack.ReturnCodes = append(ack.ReturnCodes, code)
			}
			reply = ack
		case *packets.DisconnectPacket:
			return
		default:
			continue
		}
		if reply.Write(conn) != nil {
			return
		}
	}
}
