package main

import "os"

func Example_printChart() {
	printChart(os.Stdout, "", []bar{{"sha256", 4}, {"domain", 2}, {"ipv6", 1}})
	// Output:
	// sha256  ########################################  4
	// domain  ####################                      2
	// ipv6    ##########                                1
}
