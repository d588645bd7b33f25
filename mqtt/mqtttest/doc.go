// Package mqtttest starts a real Mosquitto broker for tests and offers plain
// MQTT clients to watch and drive it, in the spirit of net/http/httptest.
//
//	b := mqtttest.StartMosquitto(t)
//	rec := mqtttest.Subscribe(t, b.URL, "huegate/#")
//	mqtttest.Publish(t, b.URL, "lights/1/set", []byte("128"), false)
//	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == "huegate/status" })
//
// Brokers listen on 127.0.0.1 only and are killed when the test ends. Without
// a mosquitto binary the test is skipped, or fails when CI=true. The clients
// use paho directly, so they check huegate's mqtt package from the outside.
package mqtttest
