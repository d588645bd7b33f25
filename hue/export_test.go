package hue

// TouchesV1 exposes touchesV1 to the external tests.
var TouchesV1 = touchesV1
