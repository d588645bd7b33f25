package mqtt

import "errors"

var (
	// ErrNotConnected is returned by Publish while there is no connection to the
	// broker. The message is dropped, not queued.
	ErrNotConnected = errors.New("mqtt: not connected")
	// ErrClosed is returned by calls made after Close.
	ErrClosed = errors.New("mqtt: client closed")
	// ErrInvalidTopic is wrapped by errors about a topic name or topic filter.
	ErrInvalidTopic = errors.New("mqtt: invalid topic")
	// ErrSubscribeRefused is wrapped when the broker refuses a subscription
	// (for example because of its access control list).
	ErrSubscribeRefused = errors.New("mqtt: subscription refused by broker")
)
