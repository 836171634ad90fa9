// ward server entry point: parses Prometheus-compatible flags and runs the
// server until it is told to stop.
#include <cstdio>

#include "cmd/ward/flags.h"
#include "cmd/ward/server.h"

int main(int argc, char** argv) {
  int exit_code = -1;
  std::string out;
  auto flags = ward::ParseFlags(argc, argv, &exit_code, &out);
  if (!flags.ok()) {
    std::fprintf(stderr, "%s\n", std::string(flags.status().message()).c_str());
    return 2;
  }
  if (exit_code >= 0) {
    std::fputs(out.c_str(), stdout);
    return exit_code;
  }
  ward::Server server(std::move(flags).value());
  return server.Run();
}
