// Command huegate lets any MQTT client control Philips Hue lights.
package main

import (
	"os"
)

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
