GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: build test lint fuzz bench demo clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o huegate ./cmd/huegate

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l .; echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...

# Each fuzz target for FUZZTIME (default 1m).
FUZZTIME ?= 1m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./mapping

# The built-in broker, an emulated bridge and the gateway in one process.
# Flags go in DEMOFLAGS, e.g. make demo DEMOFLAGS='--mqtt-listen 127.0.0.1:1884'.
DEMOFLAGS ?=
demo: build
	@./huegate demo $(DEMOFLAGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./mapping ./gateway ./hue

clean:
	rm -rf huegate dist
