# SIGNET_TEST_POSTGRES_URL, when set in the environment, reaches the PostgreSQL
# tests through go test; without it they skip.
GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test lint fuzz build image release

# What `signet version` reports for builds made here (make build, image,
# release): overridable, e.g. make release VERSION=v1.0.0.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# The build date is the commit's time (UTC), so that two builds of one commit
# are the same bytes; DATE=... to set another.
DATE ?= $(shell TZ=UTC git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS = -s -w -X main.buildVersion=$(VERSION) -X main.buildCommit=$(COMMIT) -X main.buildDate=$(DATE)

# The container image (deploy/container): the binary is built here, with
# this machine's Go build cache, and copied into an image FROM scratch.
IMAGE ?= localhost/signet:$(VERSION)
IMAGE_DIR ?= bin/image
PODMAN ?= podman

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
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/signet ./cmd/signet

image:
	CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(IMAGE_DIR)/signet ./cmd/signet
	deploy/container/rootfs.sh $(IMAGE_DIR)/context $(IMAGE_DIR)/signet
	$(PODMAN) build --format docker -t $(IMAGE) $(IMAGE_DIR)/context

# Archives for linux, darwin and windows on amd64 and arm64 in dist/, with
# SHA256SUMS and a CycloneDX SBOM of the module graph.
release:
	GO="$(GO)" VERSION="$(VERSION)" LDFLAGS="$(LDFLAGS)" scripts/release.sh dist
