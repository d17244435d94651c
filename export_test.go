package falcon

import "time"

// WithRateWindow sets the length of the rate-limit window the client's
// pacing assumes, for benchmarks against an emulator whose window is
// shortened (falcontest.WithRateLimitWindow) so that a run reaches the
// limit in seconds.
func WithRateWindow(d time.Duration) Option {
	return func(c *config) error {
		c.rateWindow = d
		return nil
	}
}
