package bench

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// bridgeDump is a bridge with n dimmable lights, ids "1".."n", all off: the
// installation a scenario needs, up to a Hue Pro bridge's 150 lights.
func bridgeDump(n int) []byte {
	lights := make(map[string]any, n)
	for i := 1; i <= n; i++ {
		lights[strconv.Itoa(i)] = map[string]any{
			"name":             "Bench " + strconv.Itoa(i),
			"type":             "Dimmable light",
			"modelid":          "LWB010",
			"manufacturername": "Signify Netherlands B.V.",
			"productname":      "Hue white lamp",
			"uniqueid":         fmt.Sprintf("00:17:88:01:00:%02x:%02x:01-0b", i/256, i%256),
			"swversion":        "1.104.2",
			"state": map[string]any{
				"on": false, "bri": 1, "alert": "none", "mode": "homeautomation", "reachable": true,
			},
		}
	}
	dump, _ := json.Marshal(map[string]any{ // maps of plain values always marshal
		"lights": lights,
		"groups": map[string]any{},
		"config": map[string]any{
			"name": "huegate bench", "bridgeid": "001788FFFEBE0C11", "modelid": "BSB002",
			"apiversion": "1.60.0", "swversion": "1960054020", "mac": "00:17:88:be:0c:11",
			"whitelist": map[string]any{},
		},
	})
	return dump
}
