GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: build test lint fuzz soak bench demo clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o huegate ./cmd/huegate

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l .; echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...

# Each fuzz target for FUZZTIME (default 1m), one after the other.
FUZZTIME ?= 1m
FUZZ_TARGETS := ./mapping:FuzzParse ./cmd/huegate/internal/config:FuzzParse \
	./hue:FuzzBridgeAnswer ./hue:FuzzEventStream
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./mapping ./gateway ./hue

clean:
	rm -rf huegate dist
