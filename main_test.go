package falcon

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind (a token
// fetch, a retry timer, a connection of a closed server).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
