# SIGNET_TEST_POSTGRES_URL, when set in the environment, reaches the PostgreSQL
# tests through go test; without it they skip.
GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test lint fuzz build

test:
	SIGNET_TEST_POSTGRES_URL="$$SIGNET_TEST_POSTGRES_URL" $(GO) test -race -count=1 ./...

lint:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Every fuzz target for FUZZTIME (default 2s) each; FUZZTIME=5m for a real run.
fuzz:
	scripts/fuzz.sh

build:
	CGO_ENABLED=0 $(GO) build -o bin/signet ./cmd/signet
