package falcontest

import (
	"encoding/hex"
	"strings"
	"sync"
)

// splitmix64 is a tiny deterministic generator: every random-looking thing
// the server makes (ids, tokens, trace ids, fault draws, seeded data) comes
// from one seeded by WithSeed.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (s *splitmix64) intn(n int) int {
	return int(s.next() % uint64(n))
}

// float returns a number in [0, 1).
func (s *splitmix64) float() float64 {
	return float64(s.next()>>11) / (1 << 53)
}

// fmix64 is a 64-bit finalizer with full avalanche.
func fmix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// mix derives an independent stream from a seed and a label. Streams of a
// splitmix64 are runs of one sequence spaced by a constant, so the start
// state goes through a full-avalanche hash of both: nearby labels must not
// start on overlapping runs.
func mix(seed int64, label uint64) splitmix64 {
	return splitmix64(fmix64(fmix64(uint64(seed)^0x5851f42d4c957f2d) ^ fmix64(label+0x14057b7ef767814f)))
}

// lockedRand is a splitmix64 safe for concurrent use.
type lockedRand struct {
	mu sync.Mutex
	s  splitmix64
}

func (r *lockedRand) float() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s.float()
}

// hex returns n random bytes as 2n hexadecimal characters.
func (r *lockedRand) hex(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return randHex(&r.s, n)
}

func randHex(s *splitmix64, n int) string {
	var sb strings.Builder
	sb.Grow(2 * n)
	for i := 0; i < n; {
		v := s.next()
		for k := 0; k < 8 && i < n; k, i = k+1, i+1 {
			c := byte(v >> (8 * k))
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&0xf])
		}
	}
	return sb.String()
}

// uuid returns a random version 4 UUID string, as trace ids look.
func (r *lockedRand) uuid() string {
	r.mu.Lock()
	a, b := r.s.next(), r.s.next()
	r.mu.Unlock()
	var u [16]byte
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
