module doctown.dev/go-calls

go 1.19
