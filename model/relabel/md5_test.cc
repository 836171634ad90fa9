#include "model/relabel/md5.h"

#include <gtest/gtest.h>

#include <string>

namespace ward::relabel {
namespace {

std::string Hex(std::string_view s) {
  auto d = Md5(s);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

TEST(Md5Test, KnownDigests) {
  EXPECT_EQ(Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Hex("baz"), "73feffa4b7f6bb68e44cf984c85f6e88");
  EXPECT_EQ(Hex("foo;bar"), "2d00e96b8b7d9e32ddadc4ed9df31f3e");
  EXPECT_EQ(Hex(std::string(100, 'a')), "36a92cc94a9e0fa21f625f8bfb007adf");
  // Lengths around the 56-byte padding boundary.
  EXPECT_EQ(Hex(std::string(55, 'x')).size(), 32u);
  EXPECT_EQ(Hex("The quick brown fox jumps over the lazy dog"), "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(Hex(std::string(56, 'a')), "3b0c8ac703f828b04c6c197006d17218");
  EXPECT_EQ(Hex(std::string(64, 'a')), "014842d480b571495a4a0363793f7367");
}

}  // namespace
}  // namespace ward::relabel
