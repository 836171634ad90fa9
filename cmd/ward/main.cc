// ward server entry point (placeholder until the server wiring lands).
#include <cstdio>

int main(int argc, char** argv) {
  std::puts("ward");
  return 0;
}
