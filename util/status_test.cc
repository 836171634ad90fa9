#include "util/status.h"

#include <gtest/gtest.h>

#include "util/result.h"

namespace ward {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  WARD_ASSIGN_OR_RETURN(int h, Half(x));
  WARD_ASSIGN_OR_RETURN(int q, Half(h));
  *out = q;
  return Status::OK();
}

TEST(StatusTest, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.code(), StatusCode::kOk);
}

TEST(StatusTest, ErrorsCarryCodeSubcodeAndContext) {
  Status s = Status::Rejected(StatusSubcode::kOutOfOrder, "out of order sample");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsRejected());
  EXPECT_EQ(s.subcode(), StatusSubcode::kOutOfOrder);
  Status c = s.WithContext("append");
  EXPECT_EQ(c.ToString(), "append: out of order sample");
  EXPECT_EQ(c.subcode(), StatusSubcode::kOutOfOrder);
  Status copy = c;
  EXPECT_EQ(copy.ToString(), c.ToString());
  EXPECT_EQ(ErrorTypeName(StatusCode::kInvalidArgument), "bad_data");
  EXPECT_EQ(ErrorTypeName(StatusCode::kExecution), "execution");
}

TEST(ResultTest, PropagatesErrors) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "odd");
  Result<std::string> r(std::string("x"));
  EXPECT_EQ(*r, "x");
}

}  // namespace
}  // namespace ward
