# The two commands of README.md: `make run` and `make test`.
# Both install what they need (apt-get as root, or through sudo), build once
# and are safe to run again.

BUILD      ?= build
WASM_BUILD ?= build-wasm
JOBS       ?= $(shell nproc)
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

APT_PACKAGES := cmake make g++ libeigen3-dev catch2 nlohmann-json3-dev \
                lammps python3 python3-numpy python3-ase python3-matplotlib emscripten nodejs \
                chromium \
                libtorch-dev libgloo-dev libopenblas0-pthread \
                libcpp-httplib-dev libsqlite3-dev sqlite3 libssl-dev libvalijson-dev python3-jsonschema wrk \
                clang-14 libclang-rt-14-dev

.PHONY: run test deps build wasm bench clean site web-deps fuzz

# The server with the web app on http://127.0.0.1:8080 (Ctrl-C stops it); jobs in ./strider-data.
run: build site
	$(BUILD)/strider serve --host 127.0.0.1 --port 8080 --data strider-data --web $(WASM_BUILD)/site

test: build wasm site
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Installs the Debian packages that are missing (none on a second run).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSTRIDER_WASM_BUILD=$(abspath $(WASM_BUILD))
	cmake --build $(BUILD) -j $(JOBS)

# The engine compiled to WebAssembly with Debian's Emscripten (see web/). Eigen3_DIR and
# nlohmann_json_DIR: the Emscripten toolchain looks for packages only inside its sysroot. Debian ships
# Emscripten's system libraries prebuilt (a frozen cache in /usr/share/emscripten/cache):
# nothing is built or written there, also on a first run or as a user other than root.
wasm: deps web-deps
	NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B $(WASM_BUILD) -DCMAKE_BUILD_TYPE=Release \
	  -DEigen3_DIR=/usr/share/eigen3/cmake -Dnlohmann_json_DIR=/usr/share/cmake/nlohmann_json
	NODE_PATH=/usr/share/nodejs cmake --build $(WASM_BUILD) -j $(JOBS)

# The web app's inputs that no Debian binary package ships: the npm modules of
# web/package-lock.json (three.js, uPlot, playwright-core). npm comes with Debian's `npm`
# when node has none.
web-deps: deps web/node_modules/.package-lock.json

web/node_modules/.package-lock.json: web/package-lock.json
	@command -v npm >/dev/null || $(SUDO) apt-get install -y -qq --no-install-recommends npm
	cd web && npm ci --no-audit --no-fund

# The browser app as static files: $(WASM_BUILD)/site/index.html (assembled by `make wasm`).
site: wasm
	@echo "web app: $(WASM_BUILD)/site/index.html (serve the folder, e.g. strider serve --web $(WASM_BUILD)/site)"

# Speed against LAMMPS, and the server under load (not part of the tests).
bench: build
	tests/benchmarks/energy_vs_lammps.sh $(BUILD)/strider
	tests/benchmarks/fire_vs_lammps.sh $(BUILD)/strider
	$(BUILD)/tests/bench_policy_step
	tests/benchmarks/learning_vs_paper.sh $(BUILD)/strider
	tests/benchmarks/adapt_torch_vs_engine.sh $(BUILD)/strider
	tests/benchmarks/server_load.sh $(BUILD)/strider 30 50

# Every reader of untrusted bytes under libFuzzer with ASan and UBSan (tests/fuzz/),
# FUZZ_SECONDS each (10 minutes); the corpus grows in $(BUILD)-fuzz/corpus from run to run.
FUZZ_SECONDS ?= 600
fuzz: deps
	JOBS=$(JOBS) tests/fuzz/run.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(WASM_BUILD) $(BUILD)-fuzz
