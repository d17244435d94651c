package jsonscan_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/falconioc/falcon/internal/jsonscan"
)

func ExampleSkip() {
	body := []byte(`{"meta":{"trace_id":"t"},"resources":["a","b"]} trailing`)
	end, err := jsonscan.Skip(body, 0)
	fmt.Println(end, err)
	fmt.Printf("%s\n", body[:end])

	_, err = jsonscan.Skip(body[:20], 0)
	fmt.Println(errors.Is(err, io.ErrUnexpectedEOF))
	// Output:
	// 47 <nil>
	// {"meta":{"trace_id":"t"},"resources":["a","b"]}
	// true
}
