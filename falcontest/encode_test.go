package falcontest

import (
	"encoding/json"
	"testing"
	"time"
)

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "<a&b>", "tab\tnew\nline\r", "\x00\x1f\x7f",
		"é", "\u2028\u2029", "bad\xffutf8", "日本語", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, encoding/json says %s", s, got, want)
		}
	})
}

func TestIndicatorJSONRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 29, 9, 1, 39, 125982486, time.UTC)
	in := fromPublic(&Indicator{
		ID: "a", Type: "domain", Value: "x.example", Action: "detect", Severity: "high", Description: "d \"<q>\"",
		Source: "s", Platforms: []string{"windows"}, Tags: []string{"t1", "t2"}, AppliedGlobally: true,
		Expiration: now.Add(-time.Second), CreatedOn: now, ModifiedOn: now.Add(time.Nanosecond),
		CreatedBy: "c", ModifiedBy: "m", FromParent: true, ParentCIDName: "p",
		Metadata: Metadata{AVHits: 3, Filename: "f.exe", Signed: true},
	})
	var got struct {
		Indicator
		Expired    bool      `json:"expired"`
		Deleted    *bool     `json:"deleted"`
		Expiration time.Time `json:"expiration"`
		CreatedOn  time.Time `json:"created_on"`
		ModifiedOn time.Time `json:"modified_on"`
		Meta       struct {
			AVHits   int64  `json:"av_hits"`
			Filename string `json:"filename"`
			Signed   bool   `json:"signed"`
		} `json:"metadata"`
		Desc string   `json:"description"`
		Tags []string `json:"tags"`
	}
	b := appendIndicatorJSON(nil, in, now.UnixNano())
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if !got.Expired || got.Deleted == nil || *got.Deleted || !got.CreatedOn.Equal(now) || got.ModifiedOn.Nanosecond() != 125982487 ||
		got.Meta.AVHits != 3 || !got.Meta.Signed || got.Desc != `d "<q>"` || len(got.Tags) != 2 {
		t.Fatalf("decoded %+v from %s", got, b)
	}
}
