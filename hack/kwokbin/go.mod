// Wrapper module: pins the kwok build (plays the kubelet for tests and `make dev`).
module tikv-operator.local/hack/kwokbin

go 1.24.0

require sigs.k8s.io/kwok v0.7.0
