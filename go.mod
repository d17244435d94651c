module github.com/falconioc/falcon

go 1.26.0

require (
	github.com/getkin/kin-openapi v0.153.0 // indirect
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	github.com/jarcoal/httpmock v1.4.2 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	golang.org/x/net v0.43.0 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
)
