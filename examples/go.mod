module github.com/falconioc/falcon/examples

go 1.26.0

require (
	github.com/falconioc/falcon v0.0.0
	github.com/schollz/progressbar/v3 v3.19.1
	golang.org/x/net v0.43.0
	golang.org/x/term v0.44.0
)

require (
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
	golang.org/x/sys v0.46.0 // indirect
)

replace github.com/falconioc/falcon => ../
