package pagination_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/falconioc/falcon/pagination"
)

// indicators stands in for a server's result set.
var indicators = []string{
	"evil.example", "bad.example", "10.0.0.66", "203.0.113.9", "phish.example",
	"198.51.100.7", "malware.example",
}

// afterPage serves indicators two at a time behind an opaque "after" cursor, as the
// Falcon API does.
func afterPage(_ context.Context, after string) ([]string, string, error) {
	start := 0
	if after != "" {
		start, _ = strconv.Atoi(after[len("tok-"):])
	}
	end := min(start+2, len(indicators))
	next := ""
	if end < len(indicators) {
		next = "tok-" + strconv.Itoa(end)
	}
	return indicators[start:end], next, nil
}

// offsetPage serves indicators by offset and limit, with the total.
func offsetPage(_ context.Context, offset, limit int) ([]string, int, error) {
	end := min(offset+limit, len(indicators))
	return indicators[min(offset, end):end], len(indicators), nil
}

func ExampleNewCursor() {
	p := pagination.NewCursor(afterPage)
	for value, err := range p.All(context.Background()) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(value)
	}
	// Output:
	// evil.example
	// bad.example
	// 10.0.0.66
	// 203.0.113.9
	// phish.example
	// 198.51.100.7
	// malware.example
}

func ExampleNewOffset() {
	// Three pages in flight at once once the first page has told the total;
	// items still come in order.
	p := pagination.NewOffset(3, offsetPage, pagination.WithParallelism(3))
	for value, err := range p.All(context.Background()) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(value)
	}
	// Output:
	// evil.example
	// bad.example
	// 10.0.0.66
	// 203.0.113.9
	// phish.example
	// 198.51.100.7
	// malware.example
}

func ExampleCursor_NextPage() {
	ctx := context.Background()
	p := pagination.NewCursor(afterPage)
	page, _ := p.NextPage(ctx)
	fmt.Println("first page:", page)

	// Save the cursor; later, resume exactly after the page already handled.
	saved := p.Cursor()
	resumed := pagination.NewCursor(afterPage, pagination.WithStartCursor(saved))
	for resumed.HasMorePages() {
		page, err := resumed.NextPage(ctx)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println("page:", page)
	}
	// Output:
	// first page: [evil.example bad.example]
	// page: [10.0.0.66 203.0.113.9]
	// page: [phish.example 198.51.100.7]
	// page: [malware.example]
}

func ExamplePageError() {
	ctx := context.Background()
	flaky := true
	fetch := func(ctx context.Context, offset, limit int) ([]string, int, error) {
		if offset == 4 && flaky {
			flaky = false
			return nil, 0, errors.New("503 service unavailable")
		}
		return offsetPage(ctx, offset, limit)
	}

	var seen []string
	for value, err := range pagination.NewOffset(2, fetch).All(ctx) {
		if pe, ok := errors.AsType[*pagination.PageError](err); ok {
			fmt.Println(err)
			// Resume at the page that failed: exactly the items not seen yet.
			for value, err := range pagination.NewOffset(2, fetch, pagination.WithStartOffset(pe.Offset)).All(ctx) {
				if err != nil {
					fmt.Println("error:", err)
					return
				}
				seen = append(seen, value)
			}
			break
		}
		seen = append(seen, value)
	}
	fmt.Println(len(seen), "indicators:", seen)
	// Output:
	// pagination: page at offset 4: 503 service unavailable
	// 7 indicators: [evil.example bad.example 10.0.0.66 203.0.113.9 phish.example 198.51.100.7 malware.example]
}

func ExampleCursor_Pages() {
	// response stands in for the service's per-request metadata.
	type response struct{ traceID string }
	n := 0
	fetch := func(ctx context.Context, after string) (pagination.Page[string], error) {
		items, next, err := afterPage(ctx, after)
		n++
		return pagination.Page[string]{
			Items: items, Next: next, Total: len(indicators),
			Meta: &response{traceID: "trace-" + strconv.Itoa(n)},
		}, err
	}
	for page, err := range pagination.NewCursorPages(fetch).Pages(context.Background()) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("%d of %d items, %s\n", len(page.Items), page.Total, page.Meta.(*response).traceID)
	}
	// Output:
	// 2 of 7 items, trace-1
	// 2 of 7 items, trace-2
	// 2 of 7 items, trace-3
	// 1 of 7 items, trace-4
}

func ExampleNewStringOffset() {
	// An endpoint whose offset is a string and which always returns the next
	// offset: the total tells where to stop.
	fetch := func(ctx context.Context, offset string) (pagination.Page[string], error) {
		o, _ := strconv.Atoi(offset) // "" is the first page
		items, total, err := offsetPage(ctx, o, 3)
		return pagination.Page[string]{Items: items, Next: strconv.Itoa(o + len(items)), Total: total}, err
	}
	p := pagination.NewStringOffset(fetch)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("%q then offset %q\n", page, p.Cursor())
	}
	// Output:
	// ["evil.example" "bad.example" "10.0.0.66"] then offset "3"
	// ["203.0.113.9" "phish.example" "198.51.100.7"] then offset "6"
	// ["malware.example"] then offset "7"
}
