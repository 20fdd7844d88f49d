# Zoom Pool. `make run` starts everything locally; `make test` checks everything.
# `sam build` calls the build-<LogicalId> targets (BuildMethod: makefile).

GO ?= go
# Where `make build` puts the Lambda bootstraps when sam is not the caller.
BUILD_DIR ?= .aws-sam/make

LAMBDA_BUILD = GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -ldflags="-s -w" -o $(ARTIFACTS_DIR)/bootstrap

FUNCTIONS = StartLessonFunction ZoomWebhookFunction ReleaseStuckFunction CalendarFunction AccountsFunction ConsoleFunction

.PHONY: run sweep token zoom-double test test-minidyn test-browser check check-template conformance lint-template build bench coldstart fuzz clean $(addprefix build-,$(FUNCTIONS))

## run: start the API on 127.0.0.1:3000 with the embedded DynamoDB engine and the fake Zoom (ARGS passes flags)
run:
	$(GO) build -o bin/local ./cmd/local
	./bin/local $(ARGS)

## sweep: run one release-stuck sweep now on the table of the running `make run` (ARGS passes flags)
sweep:
	$(GO) build -o bin/local ./cmd/local
	./bin/local sweep $(ARGS)

## token: print a token the running `make run` accepts (ARGS="-role admin|teacher|none -sub NAME")
token:
	@$(GO) build -o bin/local ./cmd/local
	@./bin/local token $(ARGS)

## zoom-double: a double of Zoom's API on 127.0.0.1:3002, to try `make run ARGS="-zoom live"` without Zoom (ARGS passes flags)
zoom-double:
	$(GO) build -o bin/local ./cmd/local
	./bin/local zoom-double $(ARGS)

## test: formatting, vet, every test with the race detector (the embedded engine's own too), and the Lambda builds
test: check
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory test-minidyn
	$(MAKE) --no-print-directory build

# The patched embedded engine's own tests (not its e2e parity tests, which need
# Docker). Its older AWS SDK refuses a custom HTTP client when AWS_CA_BUNDLE is set.
MINIDYN_PACKAGES = ./aws-v2/... ./core/... ./interpreter/... ./server/... ./types/... ./tools/generate_requests
test-minidyn:
	cd third_party/minidyn && env -u AWS_CA_BUNDLE $(GO) test -race -count=1 $(MINIDYN_PACKAGES)

## conformance: every test again, on a second DynamoDB engine: moto's, one request at a time (pip install 'moto[server]')
conformance:
	GO=$(GO) scripts/conformance

check:
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags browser ./cmd/local

## test-browser: the console in Debian's chromium (apt-get install -y chromium), driven through the whole local stack; screenshots in build/screenshots
CHROMIUM ?= $(shell command -v chromium chromium-browser google-chrome 2>/dev/null | head -n 1)
test-browser:
	@if [ -z "$(CHROMIUM)" ]; then echo "make test-browser needs Chromium: apt-get install -y chromium (or CHROMIUM=/path/to/chrome make test-browser)"; exit 1; fi
	CHROMIUM="$(CHROMIUM)" $(GO) test -tags browser -count=1 -run '^TestConsoleInTheBrowser$$' -timeout 10m -v ./cmd/local

## check-template: cfn-lint, the SAM transform and what the stack must hold (names, logs, alarms, trailing slashes; every route's authorizer and throttling), as CI checks them (needs Python with cfn-lint and aws-sam-translator; `make test` does not)
check-template:
	scripts/check-template
	scripts/transform-template --check

## lint-template: the same as check-template
lint-template: check-template

## build: build every function as `sam build` would, into $(BUILD_DIR)
build:
	@for f in $(FUNCTIONS); do $(MAKE) --no-print-directory build-$$f ARTIFACTS_DIR=$(BUILD_DIR)/$$f || exit 1; done

# The Lambda Runtime Interface Emulator for `make coldstart`, where `go
# install` puts it; ROUNDS is how many times each function starts.
RIE ?= $(or $(shell $(GO) env GOBIN),$(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin)/aws-lambda-rie
RIE_MODULE = github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
ROUNDS ?= 20

## bench: every benchmark and the cold starts of `make coldstart`, then each performance goal next to what this run measured (all of it in build/bench.txt)
bench: $(RIE)
	GO=$(GO) RIE=$(RIE) ROUNDS=$(ROUNDS) scripts/bench

## coldstart: each function's cold start under the Lambda Runtime Interface Emulator (installed when missing), taking turns with a function that only creates a DynamoDB client, for ROUNDS rounds; the medians, their ratios and the arm64 bootstraps' sizes
coldstart: $(RIE)
	$(GO) run ./scripts/coldstart -rie $(RIE) -rounds $(ROUNDS)

$(RIE):
	GOBIN=$(abspath $(dir $(RIE))) $(GO) install $(RIE_MODULE)

## fuzz: fuzz the webhook's verification and decoding for FUZZTIME (`make test` runs only the seed corpus)
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzWebhook$$' -fuzztime $(FUZZTIME) ./internal/zoom

clean:
	rm -rf bin build .aws-sam

build-StartLessonFunction:
	$(LAMBDA_BUILD) ./functions/start-lesson

build-ZoomWebhookFunction:
	$(LAMBDA_BUILD) ./functions/zoom-webhook

build-ReleaseStuckFunction:
	$(LAMBDA_BUILD) ./functions/release-stuck

build-CalendarFunction:
	$(LAMBDA_BUILD) ./functions/calendar

build-AccountsFunction:
	$(LAMBDA_BUILD) ./functions/accounts

build-ConsoleFunction:
	$(LAMBDA_BUILD) ./functions/console
