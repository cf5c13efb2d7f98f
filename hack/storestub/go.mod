module tikv-operator.local/hack/storestub

go 1.23

require (
	github.com/BurntSushi/toml v0.3.1
	github.com/gogo/protobuf v1.3.2
	github.com/pingcap/kvproto v0.0.0-20240910154453-b242104f8d31
	google.golang.org/grpc v1.62.1
)

require (
	github.com/golang/protobuf v1.5.3 // indirect
	golang.org/x/net v0.20.0 // indirect
	golang.org/x/sys v0.16.0 // indirect
	golang.org/x/text v0.14.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20240123012728-ef4313101c80 // indirect
	google.golang.org/protobuf v1.32.0 // indirect
)
