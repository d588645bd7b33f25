package mqtt_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

func TestPasswordNeverInErrorsOrLogs(t *testing.T) {
	const user, good = "huegate", "good-Pa55word"
	b := mqtttest.StartMosquitto(t, "allow_anonymous false", "password_file "+passwordFile(t, user, good))
	urlWithUser := func(pw string) string { return strings.Replace(b.URL, "tcp://", "tcp://"+user+":"+pw+"@", 1) }

	tests := []struct {
		name, broker, password string
		secret                 string // must appear nowhere
		wantInErr              string
	}{
		{"wrong password in options", b.URL, "wrong-Secret-1", "wrong-Secret-1", "not Authorized"},
		{"wrong password in URL", urlWithUser("url-Secret-2"), "", "url-Secret-2", user + ":xxxxx@127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &testkit.Buffer{}
			c := newClient(t, tt.broker, func(o *mqtt.Options) {
				o.Username, o.Password = user, tt.password
				o.ConnectRetryInterval = 20 * time.Millisecond
				o.Logger = zerolog.New(logs).Level(zerolog.DebugLevel)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			err := c.Connect(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Connect with a wrong password = %v, want a deadline error", err)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("Connect error %q does not contain %q", err, tt.wantInErr)
			}
			c.Close(time.Second)
			if !strings.Contains(logs.String(), "connection attempt failed") {
				t.Errorf("failed attempts were not logged:\n%s", logs)
			}
			for where, text := range map[string]string{"error": err.Error(), "log": logs.String()} {
				if strings.Contains(text, tt.secret) {
					t.Errorf("password in %s: %s", where, text)
				}
			}
		})
	}

	t.Run("right password in options connects", func(t *testing.T) {
		logs := &testkit.Buffer{}
		c := newClient(t, b.URL, func(o *mqtt.Options) {
			o.Username, o.Password = user, good
			o.Logger = zerolog.New(logs).Level(zerolog.DebugLevel)
		})
		connect(t, c)
		c.Close(time.Second)
		if strings.Contains(logs.String(), good) {
			t.Errorf("password in log: %s", logs)
		}
	})
}

// passwordFile writes a mosquitto password file with one user.
func passwordFile(t *testing.T, user, password string) string {
	t.Helper()
	bin, err := exec.LookPath("mosquitto_passwd")
	if err != nil {
		t.Skip("mosquitto_passwd not found; it comes with mosquitto")
	}
	path := filepath.Join(t.TempDir(), "passwd")
	if out, err := exec.Command(bin, "-c", "-b", path, user, password).CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_passwd: %v: %s", err, out)
	}
	return path
}
