package emulator_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/huegate/huegate/hue/emulator"
)

// A long-running emulator, as `huegate emulate` serves it. Tests use
// huetest.NewServer(t, fixture) instead, which also cleans up.
func ExampleStart() {
	b, err := emulator.Load("../../testdata/bridge.json")
	if err != nil {
		panic(err)
	}
	s, err := emulator.Start(b, "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer s.Close()

	// Brightness for a light that is off fails, as on a real bridge.
	_ = b.SetLightState("3", map[string]any{"on": false})
	req, _ := http.NewRequest(http.MethodPut, s.URL+"/api/"+b.Key()+"/lights/3/state", strings.NewReader(`{"bri":100}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 200 [{"error":{"type":201,"address":"/lights/3/state/bri","description":"parameter, bri, is not modifiable. Device is set to off."}}]
}
