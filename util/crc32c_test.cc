#include "util/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace ward::crc32c {
namespace {

// Test vectors from RFC 3720 (iSCSI), appendix B.4, and the classic check value.
TEST(Crc32cTest, StandardVectors) {
  EXPECT_EQ(Value("123456789", 9), 0xE3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Value(zeros), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(Value(ones), 0x62A8AB43u);
  std::string asc(32, '\0'), desc(32, '\0');
  for (int i = 0; i < 32; ++i) {
    asc[i] = static_cast<char>(i);
    desc[i] = static_cast<char>(31 - i);
  }
  EXPECT_EQ(Value(asc), 0x46DD794Eu);
  EXPECT_EQ(Value(desc), 0x113FDB5Cu);
  EXPECT_EQ(Value("", 0), 0u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s;
  for (int i = 0; i < 1000; ++i) s.push_back(static_cast<char>(i * 7 + 3));
  for (size_t cut : {0, 1, 7, 8, 9, 500, 999, 1000}) {
    uint32_t a = Value(s.data(), cut);
    EXPECT_EQ(Extend(a, s.data() + cut, s.size() - cut), Value(s)) << cut;
  }
}

TEST(Crc32cTest, HardwareMatchesPortable) {
  std::string s;
  for (int i = 0; i < 4099; ++i) s.push_back(static_cast<char>(i * 131 + (i >> 3)));
  for (size_t n : {0, 1, 3, 8, 15, 64, 4099}) {
    EXPECT_EQ(Value(s.data(), n), internal::ExtendPortable(0, s.data(), n)) << n;
  }
  EXPECT_EQ(internal::ExtendPortable(0, "123456789", 9), 0xE3069283u);
}

}  // namespace
}  // namespace ward::crc32c
