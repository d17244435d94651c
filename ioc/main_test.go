package ioc_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind (a server
// not closed, a page fetched ahead, a write worker, a connection kept).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
