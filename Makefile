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
	$(GO) test -run '^$$' -fuzz '^FuzzScanJSON$$' -fuzztime $(FUZZTIME) ./mapping

# Micro-benchmarks, then `huegate bench` (about 4 minutes), then its ingest
# measurement through Mosquitto when it is installed (the ingest bar is set
# for Mosquitto). BENCHFLAGS go to both runs, e.g. BENCHFLAGS=--json.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./mapping ./gateway ./hue ./mqtt
	./huegate bench $(BENCHFLAGS)
	@if command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto; then \
		./huegate bench --broker mosquitto --scenario ingest $(BENCHFLAGS); \
	else echo "mosquitto not found: ingest through Mosquitto skipped"; fi

clean:
	rm -rf huegate dist
