# ward — top-level convenience targets. The build itself is CMake (build/).
BUILD_DIR ?= build
JOBS ?= 2
CONFIG ?= examples/ward.yml

.PHONY: all deps build run test bench clean format

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: deps $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	./$(BUILD_DIR)/ward --config.file=$(CONFIG)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 600

bench: build
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target benchmarks

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
