// Package bench measures huegate against a bridge that behaves like a real
// one (30 ms per request, HTTP 429 above 10 commands/s), side by side with a
// naive gateway that sends one bridge call per message, as earlier gateways
// do.
//
// Each run has two processes. The world (a broker, the bridge emulator and
// the load generator) runs in a child process, so that the figures taken in
// the bench's own process (CPU time, peak RSS, allocations) belong to the
// system under test alone: huegate's pipeline or the naive gateway, with
// their MQTT and bridge clients. The two talk over the child's stdin and
// stdout, one JSON object per line (protocol.go).
//
// The package never talks to anything but loopback, except an MQTT broker the
// user names with --broker.
package bench
