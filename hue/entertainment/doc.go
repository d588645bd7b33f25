// Package entertainment speaks the wire side of the Hue Entertainment API:
// the frames a client streams to an entertainment area, and the DTLS 1.2
// pre-shared-key channel that carries them over UDP. It does no REST: the
// area is started and stopped through package hue.
//
// Both ends live here, so the client in package hue and the bridge emulator
// share one reading of the format, and a fuzz test holds them together.
package entertainment
