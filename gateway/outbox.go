package gateway

import (
	"github.com/huegate/huegate/internal/newest"
	"github.com/rs/zerolog"
)

// outbox carries the state mirror's retained publishes to the broker on a
// goroutine of its own. A Hue worker whose command the bridge accepted only
// queues the new state, so a broker that has stopped reading never holds up
// the next command. Per topic only the newest payload waits: an older one
// is replaced, so a cleared topic never lands after the state that
// replaced it.
type outbox struct {
	broker Broker
	log    zerolog.Logger
	wake   chan struct{}

	queue *newest.Queue[[]byte] // nil payload: clear the retained message
	stop  chan struct{}
	done  chan struct{}
}

func newOutbox(b Broker, log zerolog.Logger) *outbox {
	return &outbox{broker: b, log: log, wake: make(chan struct{}, 1), queue: newest.New[[]byte]()}
}

// put queues a retained publish; it never waits on the broker.
func (o *outbox) put(topic string, payload []byte) {
	o.queue.Put(topic, payload)
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// start runs the sending goroutine until close.
func (o *outbox) start() {
	o.stop, o.done = make(chan struct{}), make(chan struct{})
	go o.run()
}

func (o *outbox) run() {
	defer close(o.done)
	for {
		select {
		case <-o.wake:
			o.send()
		case <-o.stop:
			o.send() // what the last commands queued
			return
		}
	}
}

// close sends what is queued and ends the goroutine.
func (o *outbox) close() {
	if o.stop == nil {
		return
	}
	close(o.stop)
	<-o.done
}

func (o *outbox) send() {
	order, pending := o.queue.Take()
	for _, topic := range order {
		// A failure is a broker that is away: every state goes out again on
		// connect (bridgeState.republish).
		if err := o.broker.Publish(topic, pending[topic], true); err != nil {
			o.log.Debug().Err(err).Str("topic", topic).Msg("state not published; it goes out on reconnect")
		}
	}
}
