GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: build test lint fuzz soak bench demo clean release screenshot

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o huegate ./cmd/huegate

# make release: static binaries (no cgo, so they run on any libc, including a
# Raspberry Pi's) for each GOOS/GOARCH below, their SHA-256 sums and the systemd
# unit, in $(DIST). cmd/huegate/release_test.go builds the same list.
RELEASE_TARGETS := linux/amd64 linux/arm64 linux/arm darwin/arm64
RELEASE_GOARM := 7
DIST ?= dist

release:
	rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for t in $(RELEASE_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; name=huegate-$$os-$$arch; \
		if [ "$$arch" = arm ]; then name=$$name"v$(RELEASE_GOARM)"; fi; \
		echo "build $(DIST)/$$name"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch GOARM=$(RELEASE_GOARM) \
			$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/$$name ./cmd/huegate; \
	done
	cp deploy/huegate.service $(DIST)/
	cd $(DIST) && if command -v sha256sum >/dev/null; then sha256sum huegate*; else shasum -a 256 huegate*; fi > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

# The acceptance suite runs once per kind of bridge: gen2 (the default,
# within ./...), then an old http-only bridge and a Bridge Pro.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	HUEGATE_TEST_BRIDGE=old $(GO) test -race -count=1 ./acceptance
	HUEGATE_TEST_BRIDGE=pro $(GO) test -race -count=1 ./acceptance

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l .; echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...

# Each fuzz target for FUZZTIME (default 1m), one after the other.
FUZZTIME ?= 1m
FUZZ_TARGETS := ./mapping:FuzzParse ./mapping:FuzzParseCommand ./config:FuzzParse \
	./hue:FuzzBridgeAnswer ./hue:FuzzEventStream ./mapping:FuzzScanJSON ./mqtt:FuzzInbound \
	./hue/entertainment:FuzzFrame
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# Mixed traffic through a cycle of bridge and broker faults for SOAKTIME
# (default 10m), checking that goroutines and heap stay flat. Not in CI.
SOAKTIME ?= 10m
soak:
	HUEGATE_SOAK=$(SOAKTIME) $(GO) test -count=1 -run '^TestSoak$$' -timeout 2h -v ./gateway

# The built-in broker, an emulated bridge and the gateway in one process.
# Flags go in DEMOFLAGS, e.g. make demo DEMOFLAGS='--mqtt-listen 127.0.0.1:1884'.
DEMOFLAGS ?=
demo: build
	@./huegate demo $(DEMOFLAGS)

# Micro-benchmarks, then `huegate bench` (about 4 minutes), then its ingest
# measurement through Mosquitto when it is installed (the ingest bar is set
# for Mosquitto). BENCHFLAGS go to both runs, e.g. BENCHFLAGS=--json.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./mapping ./gateway ./hue ./mqtt
	./huegate bench $(BENCHFLAGS)
	@if command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto; then \
		./huegate bench --broker mosquitto --scenario ingest $(BENCHFLAGS); \
	else echo "mosquitto not found: ingest through Mosquitto skipped"; fi

# The README's pictures of the control page, taken by its browser test
# against huegate, the emulator and Mosquitto (needs chromium).
screenshot:
	mkdir -p docs
	HUEGATE_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run '^TestBrowserScreenshot$$' ./app

clean:
	rm -rf huegate dist
