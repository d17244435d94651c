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
	"strings"
	"sync"
	"testing"
	"time"
)

// start runs the emulator with args and returns the environment it prints,
// a function that stops it, and its stderr.
func start(t *testing.T, args ...string) (map[string]string, func() error, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, stderr)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(env) < 3 && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("unexpected line %q", sc.Text())
		}
		env[k] = v
	}
	if len(env) < 3 {
		cancel()
		t.Fatalf("emulator printed %v; stderr: %s (run: %v)", env, stderr.String(), <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("emulator did not stop")
			return nil
		}
	}
	return env, stop, stderr
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

func token(t *testing.T, env map[string]string) string {
	t.Helper()
	resp, err := http.PostForm(env["FALCON_BASE_URL"]+"/oauth2/token", url.Values{
		"client_id": {env["FALCON_CLIENT_ID"]}, "client_secret": {env["FALCON_CLIENT_SECRET"]},
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
	env, stop, stderr := start(t, "-indicators", "250", "-seed", "5", "-client-id", "cid", "-client-secret", "csecret",
		"-token-ttl", "2m", "-rate-limit", "100", "-log")
	if env["FALCON_CLIENT_ID"] != "cid" || env["FALCON_CLIENT_SECRET"] != "csecret" ||
		!strings.HasPrefix(env["FALCON_BASE_URL"], "http://127.0.0.1:") {
		t.Fatalf("env %v", env)
	}
	tok := token(t, env)
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
	env, stop, _ := start(t, "-fail-rate", "1", "-token-ttl", "2m", "-latency", "1ms")
	tok := token(t, env)
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
		err := run(t.Context(), args, io.Discard, &stderr)
		if !errors.Is(err, errUsage) || stderr.Len() == 0 {
			t.Fatalf("%v: err %v, stderr %q", args, err, stderr.String())
		}
	}
	if err := run(t.Context(), []string{"-h"}, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	// An address in use is an error, not a panic.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = run(t.Context(), []string{"-addr", l.Addr().String()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "failed to listen") {
		t.Fatalf("address in use: %v", err)
	}
}
