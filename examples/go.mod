module github.com/falconioc/falcon/examples

go 1.26.0

require github.com/falconioc/falcon v0.0.0

replace github.com/falconioc/falcon => ../
