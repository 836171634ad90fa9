#include "util/http_status.h"

#include <gtest/gtest.h>

namespace ward {
namespace {

TEST(HttpStatusTextTest, GoSpellings) {
  EXPECT_EQ(HttpStatusText(200), "OK");
  EXPECT_EQ(HttpStatusText(404), "Not Found");
  EXPECT_EQ(HttpStatusText(413), "Request Entity Too Large");
  EXPECT_EQ(HttpStatusText(418), "I'm a teapot");
  EXPECT_EQ(HttpStatusText(503), "Service Unavailable");
  EXPECT_EQ(HttpStatusText(299), "");
  EXPECT_EQ(HttpStatusText(-1), "");
}

}  // namespace
}  // namespace ward
