module dbwarden.io/hack/nodetools

go 1.26.0
