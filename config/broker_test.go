package config

import (
	"errors"
	"strings"
	"testing"
)

func TestTheBuiltInBrokerDefaultsToLoopback(t *testing.T) {
	c, err := Parse([]byte("mqtt: {broker: embedded}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := c.MQTT
	if !m.Embedded() || m.Listen != "127.0.0.1:1883" || m.WSListen != "127.0.0.1:9001" || len(m.Users) != 0 {
		t.Fatalf("mqtt = %+v", m)
	}
	if c.HTTP.Listen != "127.0.0.1:8081" {
		t.Fatalf("http = %+v", c.HTTP)
	}
}

func TestUsersAndEmptyListenersDecode(t *testing.T) {
	c, err := Parse([]byte(`
mqtt:
  broker: embedded
  listen: 0.0.0.0:1883
  ws_listen: ""
  users:
    - {username: dimmer, password: "pw one"}
    - {username: browser, password: "1234"}
http:
  listen: ""
mappings:
  - {topic: lights, lights: [1]}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []User{{"dimmer", "pw one"}, {"browser", "1234"}}
	if len(c.MQTT.Users) != 2 || c.MQTT.Users[0] != want[0] || c.MQTT.Users[1] != want[1] {
		t.Fatalf("users = %+v", c.MQTT.Users)
	}
	if c.MQTT.WSListen != "" || c.HTTP.Listen != "" {
		t.Fatalf("empty listeners not kept empty: %+v %+v", c.MQTT, c.HTTP)
	}
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings = %v", c.Warnings)
	}
}

func TestListenAddressesComeFromTheEnvironment(t *testing.T) {
	t.Setenv("HUEGATE_MQTT_BROKER", "embedded")
	t.Setenv("HUEGATE_MQTT_LISTEN", "127.0.0.1:11883")
	t.Setenv("HUEGATE_HTTP_LISTEN", "127.0.0.1:18081")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if !c.MQTT.Embedded() || c.MQTT.Listen != "127.0.0.1:11883" || c.HTTP.Listen != "127.0.0.1:18081" {
		t.Fatalf("env not applied: %+v %+v", c.MQTT, c.HTTP)
	}
}

func TestBrokenBrokerConfigsNameTheirKey(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"open to the network", "mqtt: {broker: embedded, listen: '0.0.0.0:1883'}\n",
			"mqtt.listen: 0.0.0.0:1883 is not a loopback address, so the built-in broker needs mqtt.users"},
		{"websocket open to the network", "mqtt: {broker: embedded, ws_listen: ':9001'}\n",
			"mqtt.ws_listen: :9001 is not a loopback address"},
		{"no port", "mqtt: {broker: embedded, listen: '127.0.0.1'}\n", `mqtt.listen: "127.0.0.1" is not host:port`},
		{"bad port", "mqtt: {broker: embedded, listen: '127.0.0.1:http'}\n", "mqtt.listen: \"127.0.0.1:http\": port must be a number"},
		{"no tcp listener", "mqtt: {broker: embedded, listen: ''}\n", "mqtt.listen: must be set for the built-in broker"},
		{"same address twice", "mqtt: {broker: embedded, listen: '127.0.0.1:1', ws_listen: '127.0.0.1:1'}\n", "mqtt.ws_listen: must differ"},
		{"users not a list", "mqtt: {broker: embedded, users: yes}\n", "mqtt.users: must be a list"},
		{"user not a map", "mqtt: {broker: embedded, users: [bob]}\n", "mqtt.users[0]: must be {username"},
		{"no username", "mqtt: {broker: embedded, users: [{password: x}]}\n", "mqtt.users[0].username: must be set"},
		{"no password", "mqtt: {broker: embedded, users: [{username: a}]}\n", "mqtt.users[0].password: must be set"},
		{"duplicate user", "mqtt: {broker: embedded, users: [{username: a, password: x}, {username: a, password: y}]}\n",
			`mqtt.users[1].username: "a" is already listed in mqtt.users[0]`},
		{"typo in a user", "mqtt: {broker: embedded, users: [{username: a, pasword: x}]}\n", "mqtt.users[0].pasword: unknown key"},
		{"http address", "http: {listen: 'localhost'}\n", `http.listen: "localhost" is not host:port`},
		{"page open to the network", "http: {listen: '0.0.0.0:8081'}\n",
			"http.auth_token: must be set when http.listen (0.0.0.0:8081) is not a loopback address"},
		{"short token", "http: {auth_token: 'abc'}\n", "http.auth_token: too short"},
		{"origin with a path", "mqtt: {ws_origins: ['http://a.lan/x']}\n", `mqtt.ws_origins[0]: "http://a.lan/x" is not an origin`},
		{"origin not a string", "mqtt: {ws_origins: [{a: b}]}\n", "mqtt.ws_origins[0]: must be a string"},
		{"origins not a list", "mqtt: {ws_origins: {a: b}}\n", "mqtt.ws_origins: must be a list"},
		{"token not a string", "http: {auth_token: {a: b}}\n", "http.auth_token: must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			var p Problems
			if !errors.As(err, &p) {
				t.Fatalf("error = %v, want Problems", err)
			}
			if !strings.Contains(p.Error(), tt.want) {
				t.Fatalf("problems:\n%s\nwant a line with %q", p.Error(), tt.want)
			}
		})
	}
}

func TestPasswordsNeverAppearInProblems(t *testing.T) {
	_, err := Parse([]byte("mqtt: {broker: embedded, users: [{username: a, password: 918273645}, {username: a, password: 'hunter2-secret'}]}\n"))
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("error = %v, want Problems", err)
	}
	if !strings.Contains(p.Error(), "mqtt.users[0].password: must be a string") {
		t.Fatalf("problems:\n%s", p.Error())
	}
	for _, secret := range []string{"918273645", "hunter2-secret"} {
		if strings.Contains(p.Error(), secret) {
			t.Fatalf("problems quote a password:\n%s", p.Error())
		}
	}
}

func TestWSOriginsComeFromAListOrTheEnvironment(t *testing.T) {
	c, err := Parse([]byte("mqtt: {ws_origins: ['http://192.168.1.20:8000', 'null']}\n"))
	if err != nil || len(c.MQTT.WSOrigins) != 2 || c.MQTT.WSOrigins[1] != "null" {
		t.Fatalf("%v %q", err, c.MQTT.WSOrigins)
	}
	t.Setenv("HUEGATE_MQTT_WS_ORIGINS", "http://a.lan:8000, https://b.lan")
	c, err = Parse([]byte("mqtt: {broker: embedded}\n"))
	if err != nil || len(c.MQTT.WSOrigins) != 2 || c.MQTT.WSOrigins[1] != "https://b.lan" {
		t.Fatalf("from the environment: %v %q", err, c.MQTT.WSOrigins)
	}
}

// The page on a network address needs a token; metrics and health alone,
// with the page off, do not.
func TestThePageOnTheNetworkTakesAToken(t *testing.T) {
	for _, yaml := range []string{
		"http: {listen: '0.0.0.0:8081', page: false}\n",
		"http: {listen: '0.0.0.0:8081', auth_token: 'long-enough-token'}\n",
		"http: {listen: '[::1]:8081'}\n",
	} {
		c, err := Parse([]byte(yaml))
		if err != nil {
			t.Errorf("%s: %v", yaml, err)
			continue
		}
		if c.HTTP.Page == strings.Contains(yaml, "page: false") {
			t.Errorf("%s: page = %v", yaml, c.HTTP.Page)
		}
	}
	_, err := Parse([]byte("http: {auth_token: 'short1'}\n"))
	if err == nil || strings.Contains(err.Error(), "short1") {
		t.Errorf("a short token: %v (it must be refused, and not quoted)", err)
	}
}

func TestUsersWithoutTheBuiltInBrokerAreNotChecked(t *testing.T) {
	if _, err := Parse([]byte("mqtt: {broker: 'tcp://127.0.0.1:1883', listen: '0.0.0.0:1'}\n")); err != nil {
		t.Fatalf("listen keys were checked for an outside broker: %v", err)
	}
}

func TestTheExampleConfigLoadsWithoutProblemsOrWarnings(t *testing.T) {
	c, err := Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.File == "" || len(c.Warnings) != 0 {
		t.Fatalf("file %q, warnings %v", c.File, c.Warnings)
	}
	if c.MQTT.Listen != "127.0.0.1:1883" || c.HTTP.Listen != "127.0.0.1:8081" {
		t.Fatalf("mqtt %+v http %+v", c.MQTT, c.HTTP)
	}
}

func TestParseWithoutEnvIgnoresTheEnvironment(t *testing.T) {
	t.Setenv("HUEGATE_MQTT_BROKER", "tcp://192.0.2.1:1883")
	t.Setenv("HUEGATE_HTTP_LISTEN", "127.0.0.1:1")
	c, err := ParseWithoutEnv([]byte("mqtt: {broker: embedded}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.MQTT.Embedded() || c.HTTP.Listen != "127.0.0.1:8081" {
		t.Fatalf("the environment leaked in: %+v %+v", c.MQTT, c.HTTP)
	}
	if c2, _ := Parse([]byte("mqtt: {broker: embedded}\n")); c2.MQTT.Embedded() {
		t.Fatal("Parse should apply the environment (else this test proves nothing)")
	}
}

// HUEGATE_HTTP_LISTEN= turns the listener off, as "" does in the file.
func TestAnEmptyListenVariableTurnsTheListenerOff(t *testing.T) {
	t.Setenv("HUEGATE_HTTP_LISTEN", "")
	t.Setenv("HUEGATE_MQTT_WS_LISTEN", "")
	c, err := Parse([]byte("mqtt: {broker: embedded}\nmappings: [{topic: a, lights: [1]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Listen != "" || c.MQTT.WSListen != "" {
		t.Fatalf("http.listen %q, mqtt.ws_listen %q; want both off", c.HTTP.Listen, c.MQTT.WSListen)
	}
}
