package ioc_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/falconioc/falcon"
	"github.com/falconioc/falcon/ioc"
)

func ExampleNormalizeValue() {
	v, err := ioc.NormalizeValue(ioc.TypeIPv6, "2001:DB8:0:0::10")
	fmt.Println(v, err)
	v, err = ioc.NormalizeValue(ioc.TypeDomain, "Evil.Example.COM.")
	fmt.Println(v, err)
	_, err = ioc.NormalizeValue(ioc.TypeSHA256, "abc")
	if ve, ok := errors.AsType[*ioc.ValueError](err); ok {
		fmt.Println(ve.Reason)
	}
	// Output:
	// 2001:db8::10 <nil>
	// evil.example.com <nil>
	// must be 64 hexadecimal characters
}

func ExampleDetectType() {
	for _, line := range []string{
		"44d88612fea8a8f36de82e1278abb02f",
		"c2[.]example[.]net",
		"198.51.100.20",
		"hxxps://drop.example.org/payload.exe",
	} {
		v := ioc.Refang(line)
		if t, ok := ioc.DetectType(v); ok {
			fmt.Println(t, v)
		} else {
			fmt.Println("no Falcon type:", v)
		}
	}
	// Output:
	// md5 44d88612fea8a8f36de82e1278abb02f
	// domain c2.example.net
	// ipv4 198.51.100.20
	// no Falcon type: https://drop.example.org/payload.exe
}

func ExampleRefang() {
	fmt.Println(ioc.Refang("hxxps://apple-online[.]shop/login"))
	fmt.Println(ioc.Refang("65.108.80[.]58"))
	// Output:
	// https://apple-online.shop/login
	// 65.108.80.58
}

func ExampleValidateNew() {
	items := []ioc.NewIndicator{
		{Type: ioc.TypeDomain, Value: "phish.example.com", Action: ioc.ActionDetect, Severity: ioc.SeverityHigh,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true},
		{Type: ioc.TypeMD5, Value: "not-a-hash", Action: ioc.ActionDetect, Severity: ioc.SeverityHigh,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, AppliedGlobally: true},
		{Type: ioc.TypeIPv4, Value: "192.0.2.7", Action: ioc.ActionPrevent,
			Platforms: []ioc.Platform{ioc.PlatformWindows}, Expiration: time.Now().Add(-time.Hour)},
	}
	// Nothing is sent: this is what Create would refuse.
	err := ioc.ValidateNew(items)
	if ve, ok := errors.AsType[*falcon.ValidationError](err); ok {
		for _, p := range ve.Problems {
			fmt.Printf("item %d %s: %s\n", p.Index, p.Field, p.Message)
		}
	}
	// Output:
	// item 1 value: not a valid md5: must be 32 hexadecimal characters
	// item 2 severity: severity is required for action prevent
	// item 2 applied_globally: set applied_globally or name host_groups
	// item 2 expiration: expiration must be in the future
}
