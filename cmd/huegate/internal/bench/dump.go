package bench

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// bridgeDump is a bridge with n dimmable lights, ids "1".."n", all off: the
// installation a scenario needs, up to a Hue Pro bridge's 150 lights. With
// area, the lights are also the entertainment area areaName (v1 group 1).
func bridgeDump(n int, area bool) []byte {
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
		"groups": groupsOf(n, area),
		"config": map[string]any{
			"name": "huegate bench", "bridgeid": "001788FFFEBE0C11", "modelid": "BSB002",
			"apiversion": "1.60.0", "swversion": "1960054020", "mac": "00:17:88:be:0c:11",
			"whitelist": map[string]any{},
		},
	})
	return dump
}

// groupsOf is the dump's groups: none, or the Entertainment group the
// emulator serves as the v2 entertainment_configuration areaName, one
// channel per light.
func groupsOf(n int, area bool) map[string]any {
	if !area {
		return map[string]any{}
	}
	ids := make([]string, n)
	locations := make(map[string]any, n)
	for i := range n {
		ids[i] = strconv.Itoa(i + 1)
		locations[ids[i]] = []any{-1 + 2*float64(i)/float64(max(n-1, 1)), 1, 0} // a row in front of the screen
	}
	return map[string]any{"1": map[string]any{
		"name": areaName, "type": "Entertainment", "class": "TV", "lights": ids, "sensors": []any{},
		"state":     map[string]any{"all_on": false, "any_on": false},
		"action":    map[string]any{"on": false, "bri": 1},
		"stream":    map[string]any{"proxymode": "auto", "proxynode": "/bridge", "active": false, "owner": nil},
		"locations": locations,
	}}
}
