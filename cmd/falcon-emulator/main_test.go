package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// start runs the emulator with args and the environment env, and returns
// what it prints (each exported variable, and "lookup" for the indicator
// its comment names), a function that stops it, and its stderr.
func start(t *testing.T, env map[string]string, args ...string) (map[string]string, func() error, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = run(ctx, args, func(k string) string { return env[k] }, pw, stderr)
		pw.CloseWithError(io.EOF)
	}()
	out := map[string]string{}
	sc := bufio.NewScanner(pr)
	for out["lookup"] == "" && sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# lookup: "); ok {
			out["lookup"] = v
			continue
		}
		if strings.HasPrefix(line, "# ") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || !strings.HasPrefix(line, "export ") {
			t.Fatalf("unexpected line %q", line)
		}
		out[k] = v
	}
	if out["lookup"] == "" {
		cancel()
		<-done
		t.Fatalf("emulator printed %v; stderr: %s (run: %v)", out, stderr.String(), runErr)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	stop := func() error {
		cancel()
		select {
		case <-done:
			return runErr
		case <-time.After(30 * time.Second):
			t.Fatal("emulator did not stop")
			return nil
		}
	}
	t.Cleanup(func() { cancel(); <-done })
	return out, stop, stderr
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func token(t *testing.T, env map[string]string, secret string) string {
	t.Helper()
	resp, err := http.PostForm(env["FALCON_BASE_URL"]+"/oauth2/token", url.Values{
		"client_id": {env["FALCON_CLIENT_ID"]}, "client_secret": {secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 201 {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	if tok.ExpiresIn != 119 {
		t.Fatalf("expires_in %d, want 119 for -token-ttl 2m", tok.ExpiresIn)
	}
	return tok.AccessToken
}

func TestRunServesAndStops(t *testing.T) {
	env, stop, stderr := start(t, nil, "-indicators", "250", "-seed", "5", "-client-id", "cid", "-client-secret", "csecret",
		"-token-ttl", "2m", "-rate-limit", "100", "-log")
	if env["FALCON_CLIENT_ID"] != "cid" || env["FALCON_CLIENT_SECRET"] != "csecret" ||
		!strings.HasPrefix(env["FALCON_BASE_URL"], "http://127.0.0.1:") {
		t.Fatalf("env %v", env)
	}
	tok := token(t, env, env["FALCON_CLIENT_SECRET"])
	req, _ := http.NewRequest("GET", env["FALCON_BASE_URL"]+"/iocs/queries/indicators/v1?limit=10", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Meta struct {
			Pagination struct {
				Total int `json:"total"`
			} `json:"pagination"`
		} `json:"meta"`
		Resources []string `json:"resources"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 200 || body.Meta.Pagination.Total != 250 || len(body.Resources) != 10 {
		t.Fatalf("search: %d %+v", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Ratelimit-Limit") != "100" {
		t.Fatalf("rate limit header %q", resp.Header.Get("X-Ratelimit-Limit"))
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, err := http.Get(env["FALCON_BASE_URL"] + "/iocs/queries/indicators/v1"); err == nil {
		t.Fatal("server still answers after stop")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "path=/iocs/queries/indicators/v1") || strings.Contains(logs, "csecret") || strings.Contains(logs, tok) {
		t.Fatalf("logs: %s", logs)
	}
}

func TestRunFailRate(t *testing.T) {
	env, stop, _ := start(t, nil, "-fail-rate", "1", "-token-ttl", "2m", "-latency", "1ms")
	tok := token(t, env, env["FALCON_CLIENT_SECRET"])
	req, _ := http.NewRequest("GET", env["FALCON_BASE_URL"]+"/iocs/queries/platforms/v1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 500 {
		t.Fatalf("status %d with -fail-rate 1", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-indicators", "-1"},
		{"-fail-rate", "2"},
		{"-token-ttl", "1ms"},
		{"-client-id", ""},
		{"-latency", "-1s"},
		{"-nope"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		err := run(t.Context(), args, noEnv, io.Discard, &stderr)
		if !errors.Is(err, errUsage) || stderr.Len() == 0 {
			t.Fatalf("%v: err %v, stderr %q", args, err, stderr.String())
		}
	}
	if err := run(t.Context(), []string{"-h"}, noEnv, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	// An address in use is an error, not a panic.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = run(t.Context(), []string{"-addr", l.Addr().String()}, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "failed to listen") {
		t.Fatalf("address in use: %v", err)
	}
}

func noEnv(string) string { return "" }

// TestRunLoopbackOnly: an address that is not loopback is refused (exit 2,
// naming -allow-remote) unless -allow-remote is given.
func TestRunLoopbackOnly(t *testing.T) {
	for addr, loopback := range map[string]bool{
		"127.0.0.1:0": true, "127.3.4.5:80": true, "[::1]:0": true, "localhost:0": true, "LOCALHOST:9": true,
		"[::ffff:127.0.0.1]:0": true,
		":0":                   false, ":8080": false, "0.0.0.0:0": false, "[::]:0": false, "192.0.2.1:0": false,
		"example.com:80": false, "127.0.0.1": false, "localhost.example:0": false,
	} {
		if got := checkAddr(addr) == ""; got != loopback {
			t.Errorf("checkAddr(%q): loopback %v, want %v", addr, got, loopback)
		}
	}
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0"} {
		var stderr bytes.Buffer
		err := run(t.Context(), []string{"-addr", addr}, noEnv, io.Discard, &stderr)
		if !errors.Is(err, errUsage) || !strings.Contains(stderr.String(), "-allow-remote") {
			t.Errorf("-addr %s: err %v, stderr %q; want a usage error naming -allow-remote", addr, err, stderr.String())
		}
	}
	// With -allow-remote the address is tried: this one is not the
	// machine's, so listening fails (exit 1), after the check.
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"-allow-remote", "-addr", "192.0.2.1:0"}, noEnv, io.Discard, &stderr)
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "listen") {
		t.Errorf("-allow-remote: err %v, stderr %q; want a listen error", err, stderr.String())
	}
}

// TestRunSecretFromEnvironment: FALCON_CLIENT_SECRET sets the secret, which
// is then not printed; -client-secret, when given, wins.
func TestRunSecretFromEnvironment(t *testing.T) {
	const secret = "secret-from-env"
	env, stop, _ := start(t, map[string]string{secretEnv: secret}, "-token-ttl", "2m")
	if _, printed := env[secretEnv]; printed {
		t.Errorf("the secret from the environment was printed: %v", env)
	}
	token(t, env, secret)
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	env, stop, _ = start(t, map[string]string{secretEnv: secret}, "-token-ttl", "2m", "-client-secret", "from-flag")
	if env[secretEnv] != "from-flag" {
		t.Errorf("printed secret %q; want the flag's", env[secretEnv])
	}
	token(t, env, "from-flag")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestRunShellOutput: the output loads in a POSIX shell, odd values
// included, and names an indicator that hosts have observed, with
// -indicators 0 (one added) or with seeded indicators.
func TestRunShellOutput(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, n := range []string{"0", "300"} {
		ctx, cancel := context.WithCancel(t.Context())
		var out syncBuffer
		done := make(chan error, 1)
		id := `it's a "client" $HOME`
		go func() {
			done <- run(ctx, []string{"-indicators", n, "-client-id", id, "-token-ttl", "2m"}, noEnv, &out, io.Discard)
		}()
		for !strings.Contains(out.String(), "# lookup:") {
			select {
			case err := <-done:
				t.Fatalf("run ended: %v", err)
			case <-time.After(10 * time.Millisecond):
			}
		}
		script := out.String() + `printf '%s\n%s\n%s\n' "$FALCON_BASE_URL" "$FALCON_CLIENT_ID" "$FALCON_CLIENT_SECRET"`
		got, err := exec.Command(sh, "-c", script).Output()
		lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
		if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[0], "http://127.0.0.1:") || lines[1] != id || lines[2] != "falcontest-client-secret" {
			t.Fatalf("-indicators %s: sh printed %q (%v) for\n%s", n, got, err, out.String())
		}
		ref := strings.TrimSpace(out.String()[strings.Index(out.String(), "# lookup:")+len("# lookup:"):])
		typ, value, _ := strings.Cut(ref, ":")
		env := map[string]string{"FALCON_BASE_URL": lines[0], "FALCON_CLIENT_ID": id}
		tok := token(t, env, "falcontest-client-secret")
		req, _ := http.NewRequest("GET", lines[0]+"/iocs/aggregates/indicators/device-count/v1?"+url.Values{"type": {typ}, "value": {value}}.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Resources []struct {
				DeviceCount int `json:"device_count"`
			} `json:"resources"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body.Resources) != 1 || body.Resources[0].DeviceCount == 0 {
			t.Errorf("-indicators %s: %s has no sightings: %d %+v", n, ref, resp.StatusCode, body)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
