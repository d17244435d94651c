package iocvalue_test

import (
	"fmt"

	"github.com/falconioc/falcon/internal/iocvalue"
)

func ExampleNormalize() {
	v, err := iocvalue.Normalize(iocvalue.IPv6, "2A02:4780:B:1342:0:238D:FA59:3")
	fmt.Println(v, err)
	v, err = iocvalue.Normalize(iocvalue.Domain, "Example.COM.")
	fmt.Println(v, err)
	_, err = iocvalue.Normalize(iocvalue.SHA256, "abc")
	fmt.Println(err)
	// Output:
	// 2a02:4780:b:1342:0:238d:fa59:3 <nil>
	// example.com <nil>
	// iocvalue: invalid "sha256" value "abc": must be 64 hexadecimal characters
}

func ExampleDetect() {
	for _, v := range []string{
		"44d88612fea8a8f36de82e1278abb02f",
		"evil.example.net",
		"65.108.80.58",
		"https://example.com/x",
	} {
		typ, ok := iocvalue.Detect(v)
		fmt.Printf("%q %v\n", typ, ok)
	}
	// Output:
	// "md5" true
	// "domain" true
	// "ipv4" true
	// "" false
}

func ExampleRefang() {
	fmt.Println(iocvalue.Refang("hxxps://apple-online[.]shop/x"))
	fmt.Println(iocvalue.Refang("65.108.80[.]58"))
	// Output:
	// https://apple-online.shop/x
	// 65.108.80.58
}
